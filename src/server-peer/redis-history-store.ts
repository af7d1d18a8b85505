/**
 * Room history in Redis, so that it outlives the server peer that built it: whichever server peer serves
 * the room next (after a crash, or on another hub sharing the Redis) replays it to late joiners.
 *
 * Per room, a stream `<prefix>history:<room>` (one entry per broadcast: from, at, kind, data as bytes)
 * and a counter `<prefix>history-bytes:<room>` (the bytes of data it holds), both capped by a Lua script
 * (history-lua.ts) at maxItems entries and maxBytes of data, exactly; and a set `<prefix>history-peers:
 * <room>` of the members that had the history and have been in the room since, so that a server peer
 * taking over an open room replays it only to those that did not (no member gets it twice). All keys
 * always carry a TTL of ttlMs: refreshed by every push and every ttlMs/2 while the room is served here, so
 * that history outlives a server peer that dies (SIGKILL included) or leaves for ttlMs and then goes away
 * by itself; never a key without TTL that nobody would remove.
 *
 * ioredis is loaded only here, with a dynamic import: a server peer without Redis never loads it.
 * Redis trouble never throws out of the store: it is logged (sparsely), and a late joiner then gets no or
 * partial history. Commands go out on one connection in call order, so a read answers for the moment
 * it was made, after every push made before it. While Redis is away, commands fail at once (no offline
 * queue) and ioredis reconnects with backoff; while it is slow, at most maxPendingBytes wait for it.
 */
import type { Redis } from 'ioredis';
import { dataBytes } from '../protocol/index.ts';
import type { HistoryItem, HistoryStore } from './history-store.ts';
import { HISTORY_EXPIRE_LUA, HISTORY_PRESENT_LUA, HISTORY_PUSH_LUA, HISTORY_REPLAY_LUA } from './history-lua.ts';
import { sparseLog } from './sparse-log.ts';

export interface RedisHistoryOptions {
  /** redis://[user:password@]host:port[/db] (rediss:// for TLS). */
  url: string;
  /** Put before every key, so that several deployments can share one Redis. */
  prefix: string;
  maxItems: number;
  maxBytes: number;
  /** How long a room's history stays after the last server peer serving it stopped (ms). */
  ttlMs: number;
  /** Bytes of commands (data included) waiting for Redis beyond which pushes are dropped and reads answer []. */
  maxPendingBytes: number;
  log: (line: string) => void;
}

/** What one command counts against maxPendingBytes besides its data: a rough size of the command and its promise. */
const COMMAND_OVERHEAD_BYTES = 256;
/** How long close() waits for commands on their way before it drops the connection. */
const QUIT_TIMEOUT_MS = 1_000;
/** How long start-up waits for the first connection (ms); after that ioredis keeps trying in the background. */
const CONNECT_TIMEOUT_MS = 5_000;

/** setInterval's longest delay: longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Arg = string | number | Buffer;
type StreamEntries = [id: Buffer, fields: Buffer[]][];
/** The scripts, as ioredis's defineCommand adds them (keys first, then arguments). */
interface Scripts {
  roomwireHistoryPush(stream: string, counter: string, ...argv: Arg[]): Promise<number>;
  roomwireHistoryReplayBuffer(stream: string, peers: string, ...argv: Arg[]): Promise<StreamEntries>;
  roomwireHistoryPresent(peers: string, ...argv: Arg[]): Promise<number>;
  roomwireHistoryExpire(...keysThenTtl: Arg[]): Promise<number>;
}

/** Connects (or starts trying to: a Redis that is down at start-up is no error) and returns the store. */
export async function openRedisHistoryStore(o: RedisHistoryOptions): Promise<RedisHistoryStore> {
  checkRedisHistoryOptions(o);
  const { Redis } = await import('ioredis');
  const redis = new Redis(o.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Fail at once while disconnected rather than queue without bound; and never run a push twice.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
  });
  const store = new RedisHistoryStore(redis, o);
  await redis.connect().catch(() => undefined); // reported by the store's error listener
  return store;
}

/** Refuses options that cannot work, with the option's name in the message. */
export function checkRedisHistoryOptions(o: RedisHistoryOptions): void {
  // Refreshed every ttlMs/2: shorter would mean a command per room several times a second.
  if (!(o.ttlMs >= 1_000)) throw new RangeError('option historyTtlMs must be at least 1000 ms');
  // Else the largest broadcast kept could never be sent.
  if (!(o.maxPendingBytes >= o.maxBytes + COMMAND_OVERHEAD_BYTES)) {
    throw new RangeError(`option historyMaxPendingBytes must be at least historyMaxBytes + ${COMMAND_OVERHEAD_BYTES}`);
  }
}

export class RedisHistoryStore implements HistoryStore {
  /** Rooms served here: their keys' TTL is refreshed. */
  private readonly served = new Set<string>();
  private pending = 0;
  private closed = false;
  private readonly refreshTimer: NodeJS.Timeout;
  private readonly scripts: Scripts;
  private readonly logFailure: (line: (count: number) => string) => void;

  constructor(private readonly redis: Redis, private readonly o: RedisHistoryOptions) {
    redis.defineCommand('roomwireHistoryPush', { numberOfKeys: 2, lua: HISTORY_PUSH_LUA });
    redis.defineCommand('roomwireHistoryReplay', { numberOfKeys: 2, lua: HISTORY_REPLAY_LUA });
    redis.defineCommand('roomwireHistoryPresent', { numberOfKeys: 1, lua: HISTORY_PRESENT_LUA });
    redis.defineCommand('roomwireHistoryExpire', { numberOfKeys: 3, lua: HISTORY_EXPIRE_LUA });
    this.scripts = redis as unknown as Scripts;
    // Redis away means an error per push and per reconnection attempt: log the 1st, 10th, 100th ...
    this.logFailure = sparseLog(o.log);
    redis.on('error', (err: Error) => this.failed('connection', err));
    redis.on('ready', () => o.log('history in Redis: connected'));
    this.refreshTimer = setInterval(() => this.refresh(), Math.min(MAX_TIMER_MS, Math.floor(o.ttlMs / 2)));
    this.refreshTimer.unref();
  }

  /** Bytes of commands waiting for Redis now (at most maxPendingBytes). */
  get pendingBytes(): number {
    return this.pending;
  }

  open(room: string): void {
    this.served.add(room);
    this.expire(room);
  }

  push(room: string, item: HistoryItem): void {
    if (!this.served.has(room)) return;
    const bytes = dataBytes(item.data);
    if (bytes > this.o.maxBytes || this.o.maxItems === 0) return; // never kept: no round trip
    const data = typeof item.data === 'string' ? item.data : Buffer.from(item.data.buffer, item.data.byteOffset, item.data.byteLength);
    void this.send('push', bytes, () => this.scripts.roomwireHistoryPush(
      this.key('history', room), this.key('history-bytes', room),
      this.o.maxItems, this.o.maxBytes, this.o.ttlMs, item.from, String(item.at), typeof item.data === 'string' ? 's' : 'b', data,
    ));
  }

  async replayFor(room: string, peerId: string): Promise<readonly HistoryItem[]> {
    // The answer is not counted: it is parsed as it arrives and handed over at once.
    const entries = await this.send('replay', 0, () => this.scripts.roomwireHistoryReplayBuffer(
      this.key('history', room), this.key('history-peers', room), peerId, this.o.ttlMs,
    ));
    return entries?.flatMap(([, fields]) => decodeEntry(fields) ?? []) ?? [];
  }

  left(room: string, peerId: string): void {
    void this.send('left', 0, () => this.redis.srem(this.key('history-peers', room), peerId));
  }

  present(room: string, peerIds: readonly string[]): void {
    void this.send('present', peerIds.length * 64, () => this.scripts.roomwireHistoryPresent(this.key('history-peers', room), ...peerIds));
  }

  release(room: string): void {
    if (!this.served.delete(room)) return;
    this.expire(room); // a full TTL from now
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refreshTimer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.redis.quit().catch(() => undefined),
      new Promise((resolve) => { timer = setTimeout(resolve, QUIT_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    this.redis.disconnect();
  }

  private key(kind: 'history' | 'history-bytes' | 'history-peers', room: string): string {
    return `${this.o.prefix}${kind}:${room}`;
  }

  private expire(room: string): void {
    void this.send('expire', 0, () => this.scripts.roomwireHistoryExpire(
      this.key('history', room), this.key('history-bytes', room), this.key('history-peers', room), this.o.ttlMs,
    ));
  }

  private refresh(): void {
    for (const room of this.served) this.expire(room);
  }

  /** Runs one command within the pending bound; undefined when it was not sent or failed (logged). */
  private async send<T>(what: string, dataBytes: number, command: () => Promise<T>): Promise<T | undefined> {
    if (this.closed) return undefined;
    const cost = dataBytes + COMMAND_OVERHEAD_BYTES;
    if (this.pending + cost > this.o.maxPendingBytes) {
      this.logFailure((n) => `history in Redis: ${what} dropped (#${n}): more than ${this.o.maxPendingBytes} bytes waiting for Redis`);
      return undefined;
    }
    this.pending += cost;
    try {
      return await command();
    } catch (err) {
      this.failed(what, err as Error);
      return undefined;
    } finally {
      this.pending -= cost;
    }
  }

  private failed(what: string, err: Error): void {
    this.logFailure((n) => `history in Redis: ${what} failed (#${n}): ${err.message}`);
  }
}

/** One stream entry's fields (name, value, ...) as a history item; undefined when it is not one of ours. */
function decodeEntry(fields: Buffer[]): HistoryItem | undefined {
  const values = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!.toString('latin1'), fields[i + 1]!);
  const [from, at, kind, data] = [values.get('f'), values.get('t'), values.get('k')?.toString('latin1'), values.get('d')];
  if (from === undefined || at === undefined || data === undefined || (kind !== 's' && kind !== 'b')) return undefined;
  // A copy: ioredis may hand out slices of a larger buffer it reuses.
  return { from: from.toString('utf8'), at: Number(at.toString('latin1')), data: kind === 's' ? data.toString('utf8') : new Uint8Array(data) };
}
