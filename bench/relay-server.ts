/**
 * A relay server in its own process, so that the benchmark's clients do not share its core.
 * `hub`: the real roomwire hub. `bare`: the least a relay must do (parse the JSON, stamp `from`,
 * forward), speaking just enough of the protocol (welcome, joined) for the same driver. `y-webrtc`: the hub
 * with --y-webrtc (bench/compat-y-webrtc.ts), per-address limits lifted too (thousands of sockets from one address).
 * Prints `PORT <n>` when listening; exits when stdin closes.
 */
import { pino } from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { WebSocketServer, type WebSocket } from 'ws';
import { createHub } from '../src/hub/create-hub.ts';
import type { HubOptions } from '../src/hub/options.ts';

async function startBare(): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', perMessageDeflate: false });
  const peers = new Map<string, WebSocket>();
  wss.on('connection', (ws) => {
    const peerId = uuidv4();
    peers.set(peerId, ws);
    ws.on('close', () => peers.delete(peerId));
    ws.send(JSON.stringify({ type: 'welcome', peerId }));
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.type === 'join') {
        ws.send(JSON.stringify({ type: 'joined', room: message.room, peerId, peers: [] }));
        return;
      }
      peers.get(message.to)?.send(JSON.stringify({ type: message.type, from: peerId, data: message.data }));
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  return (wss.address() as { port: number }).port;
}

async function startRoomwireHub(extra: Partial<HubOptions> = {}): Promise<number> {
  // Rate limits out of the way: the benchmark measures the relay path, not the token bucket's refusals.
  const hub = createHub(
    { host: '127.0.0.1', port: 0, messagesPerSecond: 1e9, messageBurst: 1e9, bytesPerSecond: 1e12, byteBurst: 1e12, ...extra },
    { logger: pino({ level: 'silent' }) },
  );
  return (await hub.listen()).port;
}

const mode = process.argv[2];
const yWebrtc: Partial<HubOptions> = {
  yWebrtc: true, maxConnectionsPerAddress: 1e6, maxSessionsPerAddress: 1e6, connectionsPerSecondPerAddress: 1e6, connectionBurstPerAddress: 1e6,
};
const port = mode === 'bare' ? await startBare() : mode === 'hub' ? await startRoomwireHub() : mode === 'y-webrtc' ? await startRoomwireHub(yWebrtc) : undefined;
if (port === undefined) {
  console.error('usage: relay-server.ts hub|bare|y-webrtc');
  process.exit(2);
}
process.stdout.write(`PORT ${port}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
