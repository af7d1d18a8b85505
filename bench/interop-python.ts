/**
 * The Python peer (clients/python/, aiortc) against a werift room client on loopback, through a hub in
 * this process:
 * - join -> DataChannel open (both ends report `direct`), with werift joining a room where the Python
 *   peer waits, and the other way round; by role (which side is polite);
 * - messages/s Python -> werift and werift -> Python, 100 B and 16 KiB text messages, over the DataChannel.
 *
 *   node --import tsx bench/interop-python.ts [--quick]
 */
import { pino } from 'pino';
import { createNodeClient } from '../src/client/node.ts';
import type { RoomClient } from '../src/client/room-client.ts';
import type { BotEvent } from '../src/bots/bot-events.ts';
import { createHub } from '../src/hub/create-hub.ts';
import { BotProcess, isEvent } from '../test/helpers/bot-process.ts';

const PYTHON_PEER = ['/usr/bin/python3', new URL('../clients/python/roomwire_peer.py', import.meta.url).pathname];
const quick = process.argv.includes('--quick');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

const hub = createHub({ host: '127.0.0.1', port: 0, messagesPerSecond: 1e6, messageBurst: 1e6, bytesPerSecond: 1e12, byteBurst: 1e12 }, { logger: pino({ level: 'silent' }) });
const url = `ws://127.0.0.1:${(await hub.listen()).port}/ws`;

const python = (room: string) => new BotProcess(['--url', url, '--room', room, '--name', 'py'], PYTHON_PEER);
const isDirect = (peerId: string) => isEvent('path-change', (e) => e.peerId === peerId && e.path === 'direct');

async function untilDirect(client: RoomClient, peerId: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; client.link(peerId)?.path !== 'direct';) {
    if (Date.now() > deadline) throw new Error('the werift side did not open');
    await sleep(1);
  }
}

/** Waits on the Python peer's events with 1 ms polling (BotProcess.event polls every 20 ms). */
async function untilEvent(p: BotProcess, match: (e: BotEvent) => boolean): Promise<void> {
  for (const deadline = Date.now() + 30_000; !p.events.some(match);) {
    if (Date.now() > deadline) throw new Error(`python: event not seen; stderr: ${p.stderr}`);
    await sleep(1);
  }
}

type Sample = { ms: number; pythonPolite: boolean };

/** werift joins a room where the Python peer waits: from werift's join() to both ends open. */
async function weriftJoins(rounds: number): Promise<Sample[]> {
  const py = python('open-a');
  const { peerId: pyId } = await py.event(isEvent('joined'), 'joined', 20_000);
  const samples: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    const c = createNodeClient({ url });
    await c.connect();
    const started = performance.now();
    await c.join('open-a');
    await Promise.all([untilDirect(c, pyId), untilEvent(py, isDirect(c.peerId))]);
    samples.push({ ms: performance.now() - started, pythonPolite: pyId < c.peerId });
    await c.close();
  }
  py.kill();
  return samples;
}

/** The Python peer joins a room where werift waits: from its join request (its `joined` event time) to both ends open. */
async function pythonJoins(rounds: number): Promise<Sample[]> {
  const c = createNodeClient({ url });
  await c.connect();
  await c.join('open-b');
  const samples: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    const py = python('open-b');
    const joined = await py.event(isEvent('joined'), 'joined', 20_000);
    await Promise.all([untilDirect(c, joined.peerId), untilEvent(py, isDirect(c.peerId))]);
    samples.push({ ms: Date.now() - Date.parse((joined as { at?: string }).at!), pythonPolite: joined.peerId < c.peerId }); // `at`: every printed event has it
    py.kill();
    await sleep(200);
  }
  await c.close();
  return samples;
}

function reportOpen(what: string, samples: Sample[]): void {
  const line = (xs: number[]) => (xs.length === 0 ? 'n=0' : `p50 ${fmt(percentile(xs, 50))} ms, p95 ${fmt(percentile(xs, 95))} ms, n=${xs.length}`);
  console.log(`  ${what}: ${line(samples.map((s) => s.ms))}`);
  console.log(`    Python polite:   ${line(samples.filter((s) => s.pythonPolite).map((s) => s.ms))}`);
  console.log(`    Python impolite: ${line(samples.filter((s) => !s.pythonPolite).map((s) => s.ms))}`);
}

/** n messages of `size` bytes each way over one direct link; messages/s from the first send to the last arrival. */
async function throughput(size: number, n: number): Promise<{ pyToWerift: number; weriftToPy: number }> {
  const room = `tp-${size}`;
  const py = python(room);
  const { peerId: pyId } = await py.event(isEvent('joined'), 'joined', 20_000);
  const c = createNodeClient({ url });
  await c.connect();
  const r = await c.join(room);
  await Promise.all([untilDirect(c, pyId), untilEvent(py, isDirect(c.peerId))]);
  const text = (i: number) => `${i}:`.padEnd(size, 'x');
  try {
    let got = 0;
    let last = 0;
    r.on('message', (m) => {
      if (m.data !== text(got)) throw new Error(`out of order at ${got}`);
      got++;
      last = performance.now();
    });
    let started = performance.now();
    py.type(Array.from({ length: n }, (_, i) => text(i)).join('\n'));
    while (got < n) {
      if (performance.now() - started > 120_000) throw new Error(`python -> werift: ${got} of ${n}`);
      await sleep(5);
    }
    const pyToWerift = n / ((last - started) / 1000);

    const count = () => py.events.filter((e) => e.event === 'message').length;
    started = performance.now();
    for (let i = 0; i < n; i++) r.send(text(i));
    while (count() < n) {
      if (performance.now() - started > 120_000) throw new Error(`werift -> python: ${count()} of ${n}`);
      await sleep(1);
    }
    const weriftToPy = n / ((performance.now() - started) / 1000);
    return { pyToWerift, weriftToPy };
  } finally {
    py.kill();
    await c.close();
  }
}

/** The yardstick, measured the same way in the same run: werift -> werift, both clients in this process. */
async function throughputWerift(size: number, n: number): Promise<number> {
  const [a, b] = [createNodeClient({ url }), createNodeClient({ url })];
  await Promise.all([a.connect(), b.connect()]);
  const ra = await a.join(`tw-${size}`);
  const rb = await b.join(`tw-${size}`);
  await Promise.all([untilDirect(a, b.peerId), untilDirect(b, a.peerId)]);
  let got = 0;
  rb.on('message', () => got++);
  const started = performance.now();
  for (let i = 0; i < n; i++) ra.send(`${i}:`.padEnd(size, 'x'));
  while (got < n) await sleep(1);
  const rate = n / ((performance.now() - started) / 1000);
  await Promise.all([a.close(), b.close()]);
  return rate;
}

console.log(`Python peer (aiortc 1.4, /usr/bin/python3) <-> werift room client, loopback (node ${process.version}${quick ? ', quick' : ''})\n`);
console.log('join -> DataChannel open (both ends report direct):');
reportOpen('werift joins, Python waits', await weriftJoins(quick ? 4 : 20));
reportOpen('Python joins, werift waits', await pythonJoins(quick ? 4 : 12));
console.log('\nmessages/s over the DataChannel (text, sent back to back, first send to last arrival):');
for (const [size, n] of quick ? [[100, 2_000], [16 * 1024, 200]] : [[100, 10_000], [16 * 1024, 800]]) {
  const r = await throughput(size!, n!);
  const mb = (rate: number) => (rate * size! / 1e6).toFixed(2);
  const w = await throughputWerift(size!, n!);
  console.log(`  ${String(size).padStart(5)} B x ${n}: Python -> werift ${fmt(r.pyToWerift).padStart(6)} msg/s (${mb(r.pyToWerift)} MB/s); ` +
    `werift -> Python ${fmt(r.weriftToPy).padStart(6)} msg/s (${mb(r.weriftToPy)} MB/s); werift -> werift ${fmt(w).padStart(6)} msg/s (${mb(w)} MB/s)`);
}
await hub.close();
process.exit(0);
