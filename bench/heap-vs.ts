/**
 * `node --import tsx bench/heap-vs.ts [N] [DIR]`: where the three servers of bench/vs-peerjs.ts put their heap
 * per idle connection, kind by kind (constructor or V8 type), side by side, roomwire's excess over the bare
 * relay first. Heap snapshots (v8.writeHeapSnapshot, after GC) of each fresh server before and after N
 * (10,000) connections opened as the `vs` benchmark opens them, written to DIR (a temporary directory).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackAddresses, openMany, terminateAll } from './connections.ts';
import { heapGrowth } from './heap-summary.ts';
import { KINDS, startContender, type Kind } from './vs-servers.ts';

const n = Number(process.argv[2] ?? 10_000);
const dir = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'roomwire-heap-'));
/** Kinds listed per server: the rest are a few bytes per connection at most. */
const TOP = 60;

const growth = {} as Record<Kind, Map<string, { bytes: number; count: number }>>;
for (const kind of KINDS) {
  const server = await startContender(kind, n);
  const before = await server.heapSnapshot(join(dir, `${kind}-before.heapsnapshot`));
  const opened = await openMany((i, from) => server.open(i, from), { count: n, concurrency: 200, addresses: loopbackAddresses('127.0.0', 17).slice(1) });
  if (opened.error) throw opened.error;
  await server.idle();
  const after = await server.heapSnapshot(join(dir, `${kind}-after.heapsnapshot`));
  await server.stop();
  terminateAll(opened.sockets);
  growth[kind] = new Map(heapGrowth(before, after, TOP, 0).map((g) => [g.kind, g]));
}

const per = (kind: Kind, k: string, field: 'bytes' | 'count') => (growth[kind].get(k)?.[field] ?? 0) / n;
const rows = [...new Set(KINDS.flatMap((kind) => [...growth[kind].keys()]))]
  .sort((x, y) => (per('roomwire', y, 'bytes') - per('bare', y, 'bytes')) - (per('roomwire', x, 'bytes') - per('bare', x, 'bytes')));
console.log(`heap growth per idle connection, ${n.toLocaleString('en-US')} connections (bytes; objects), snapshots in ${dir}`);
console.log(`${'kind'.padEnd(44)} ${'roomwire'.padStart(14)} ${'peerjs-server'.padStart(14)} ${'bare ws relay'.padStart(14)}`);
const cell = (kind: Kind, k: string) => `${per(kind, k, 'bytes').toFixed(0)}; ${per(kind, k, 'count').toFixed(1)}`.padStart(14);
for (const k of rows) {
  if (KINDS.every((kind) => Math.abs(per(kind, k, 'bytes')) < 8)) continue;
  console.log(`${k.slice(0, 44).padEnd(44)} ${cell('roomwire', k)} ${cell('peerjs', k)} ${cell('bare', k)}`);
}
const total = (kind: Kind) => [...growth[kind].values()].reduce((x, g) => x + g.bytes, 0) / n;
console.log(`${'total'.padEnd(44)} ${total('roomwire').toFixed(0).padStart(14)} ${total('peerjs').toFixed(0).padStart(14)} ${total('bare').toFixed(0).padStart(14)}`);
process.exit(0);
