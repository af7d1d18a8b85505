/**
 * Hub relay throughput: client A sends `signal` messages carrying a ~250-byte ICE candidate through the
 * server to client B, with at most `window` in flight. The roomwire hub and a bare ws relay each run in a
 * child process and are driven by the same code, alternating rounds, in the same run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { PROBE, probed, type MemoryProbe } from '../test/helpers/peerjs-server.ts';

/** A typical trickled candidate as Chrome sends it: the signal frame's `data` is about 250 bytes. */
export const CANDIDATE = {
  candidate:
    'candidate:3442447574 1 udp 1686052607 2001:db8:85a3:8d3:1319:8a2e:370:7348 61234 typ srflx ' +
    'raddr 2001:db8:85a3::8a2e:370:7334 rport 54321 ' +
    'generation 0 ufrag EsAw network-id 1 network-cost 10',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'EsAw',
};

const SERVER = fileURLToPath(new URL('./relay-server.ts', import.meta.url));

export interface RelayServer extends MemoryProbe {
  url: string;
  /** The server process (its RSS, for memory benchmarks). */
  pid: number;
  stop(): Promise<void>;
}

export async function startRelayServer(mode: 'hub' | 'bare' | 'y-webrtc'): Promise<RelayServer> {
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', PROBE, SERVER, mode], {
    stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`relay server ${mode} exited with ${code}`)));
  });
  return {
    ...probed(child),
    url: `ws://127.0.0.1:${port}/${mode === 'y-webrtc' ? 'y-webrtc' : 'ws'}`,
    pid: child.pid!,
    async stop() {
      const exited = once(child, 'exit');
      child.stdin!.end();
      await exited;
    },
  };
}

function nextMessage(ws: WebSocket, type: string): Promise<{ peerId: string }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString());
      if (m.type === type) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
  });
}

async function connect(url: string, room: string): Promise<{ ws: WebSocket; peerId: string }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const welcome = nextMessage(ws, 'welcome');
  await once(ws, 'open');
  const { peerId } = await welcome;
  const joined = nextMessage(ws, 'joined');
  ws.send(JSON.stringify({ type: 'join', room }));
  await joined;
  return { ws, peerId };
}

/**
 * Relays `count` signals A -> B, both in `room`, with at most `window` in flight; returns messages per second.
 * (A closed pair stays in its room for the hub's resume grace: a fresh room a round keeps rooms small.)
 */
export async function relayRate(url: string, count: number, window: number, room = 'bench'): Promise<number> {
  const a = await connect(url, room);
  const b = await connect(url, room);
  const frame = JSON.stringify({ type: 'signal', to: b.peerId, data: CANDIDATE });
  const rate = await windowedRate(() => a.ws.send(frame), b.ws, count, window);
  a.ws.close();
  b.ws.close();
  await Promise.all([once(a.ws, 'close'), once(b.ws, 'close')]);
  return rate;
}

/**
 * Calls `send` `count` times, keeping at most `window` sends not yet answered by a message on `receiver`
 * (topped up when half the window is free); returns messages per second.
 */
export async function windowedRate(send: () => void, receiver: WebSocket, count: number, window: number): Promise<number> {
  let sent = 0;
  let received = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < count && sent - received < window) {
        send();
        sent++;
      }
    };
    receiver.on('message', () => {
      received++;
      if (received === count) resolve();
      else if (sent - received < window / 2) pump();
    });
    pump();
  });
  return count / ((performance.now() - started) / 1000);
}

export interface RelayBenchResult {
  frameBytes: number;
  dataBytes: number;
  hubRates: number[];
  bareRates: number[];
  hubMedian: number;
  bareMedian: number;
  ratio: number;
}

export const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

/** A number for a report: thousands separated, `digits` decimals. */
export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function benchHubRelay({ rounds = 5, count = 100_000, window = 1_000 } = {}): Promise<RelayBenchResult> {
  const hub = await startRelayServer('hub');
  const bare = await startRelayServer('bare');
  try {
    await relayRate(hub.url, count / 5, window); // warm up both JITs
    await relayRate(bare.url, count / 5, window);
    const hubRates: number[] = [];
    const bareRates: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // alternate the order so that drift on a shared machine hits both alike
      if (i % 2 === 0) {
        bareRates.push(await relayRate(bare.url, count, window));
        hubRates.push(await relayRate(hub.url, count, window));
      } else {
        hubRates.push(await relayRate(hub.url, count, window));
        bareRates.push(await relayRate(bare.url, count, window));
      }
    }
    const hubMedian = median(hubRates);
    const bareMedian = median(bareRates);
    const frameBytes = JSON.stringify({ type: 'signal', to: '00000000-0000-4000-8000-000000000000', data: CANDIDATE }).length;
    const dataBytes = JSON.stringify(CANDIDATE).length;
    return { frameBytes, dataBytes, hubRates, bareRates, hubMedian, bareMedian, ratio: hubMedian / bareMedian };
  } finally {
    await Promise.all([hub.stop(), bare.stop()]);
  }
}
