/**
 * What one room's history costs in Redis: fills rooms through the Redis history store with N broadcasts
 * of S bytes and prints MEMORY USAGE of the stream and its byte counter, then of the set of members that
 * had the history (docs/operations.md, "Room history in Redis"). Needs a Redis; starts none:
 *
 *   redis-server --port 6390 --save '' --appendonly no &
 *   node --import tsx scripts/history-memory.ts redis://127.0.0.1:6390
 *
 * Uses its own key prefix and deletes its keys afterwards.
 */
import { Redis } from 'ioredis';
import { openRedisHistoryStore } from '../src/server-peer/redis-history-store.ts';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const prefix = `rw-measure-${process.pid}:`;
const COUNTS = [1, 10, 50];
const SIZES = [16, 100, 1_000, 20_000];
const MiB = 1024 * 1024;

const inspect = new Redis(url);
const store = await openRedisHistoryStore({ url, prefix, maxItems: 50, maxBytes: MiB, ttlMs: 600_000, maxPendingBytes: 64 * MiB, log: console.error });
const usage = async (key: string) => Number(await inspect.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));

console.log('| broadcasts kept | bytes each | data | stream (MEMORY USAGE) | counter | overhead per broadcast | stream after 10x as many pushes (trimmed) |');
console.log('|---|---|---|---|---|---|---|');
for (const count of COUNTS) {
  for (const size of SIZES) {
    const room = `${count}x${size}`;
    store.open(room);
    for (let i = 0; i < count; i++) store.push(room, { from: 'a1b2c3d4-e5f6-4789-abcd-ef0123456789', at: Date.now(), data: new Uint8Array(size).fill(i) });
    await store.replayFor(room, 'reader'); // after every push
    const stream = await usage(`${prefix}history:${room}`);
    const counter = await usage(`${prefix}history-bytes:${room}`);
    const data = count * size;
    // Then in steady state: the cap (historySize = count) drops one for every push.
    const trimmed = `${room}-trimmed`;
    const capped = await openRedisHistoryStore({ url, prefix, maxItems: count, maxBytes: MiB, ttlMs: 600_000, maxPendingBytes: 64 * MiB, log: console.error });
    capped.open(trimmed);
    for (let i = 0; i < count * 10; i++) capped.push(trimmed, { from: 'a1b2c3d4-e5f6-4789-abcd-ef0123456789', at: Date.now(), data: new Uint8Array(size).fill(i) });
    await capped.replayFor(trimmed, 'reader');
    const steady = await usage(`${prefix}history:${trimmed}`);
    await inspect.del(`${prefix}history:${trimmed}`, `${prefix}history-bytes:${trimmed}`, `${prefix}history-peers:${trimmed}`);
    await capped.close();
    console.log(`| ${count} | ${size} | ${data} | ${stream} | ${counter} | ${Math.round((stream + counter - data) / count)} | ${steady} |`);
    await inspect.del(`${prefix}history:${room}`, `${prefix}history-bytes:${room}`, `${prefix}history-peers:${room}`);
    store.release(room);
  }
}

// The set of members that had the history: one peer id (a 36-character uuid) per member.
console.log('\n| members | history-peers set (MEMORY USAGE) |');
console.log('|---|---|');
for (const members of [1, 10, 100, 1_000]) {
  const room = `members-${members}`;
  for (let i = 0; i < members; i++) await store.replayFor(room, `${String(i).padStart(8, '0')}-e5f6-4789-abcd-ef0123456789`);
  console.log(`| ${members} | ${await usage(`${prefix}history-peers:${room}`)} |`);
  await inspect.del(`${prefix}history-peers:${room}`);
}
await store.close();
inspect.disconnect();
