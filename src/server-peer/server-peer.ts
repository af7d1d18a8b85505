/**
 * The server peer: a room client with werift (role `server`) that joins rooms as the hub opens them,
 * keeps the last broadcasts of each room and replays them to late joiners (marked as history), and runs
 * server-side bot hooks. It is a client like any other: the hub only relays for it and tells it about rooms.
 * History lives in its memory, or in Redis (`redisUrl`) where it outlives this server peer.
 */
import { createNodeClient } from '../client/node.ts';
import type { Room, RoomMessage } from '../client/room.ts';
import type { RoomClient } from '../client/room-client.ts';
import type { ClientOptions } from '../client/options.ts';
import type { RtcFactory } from '../client/rtc.ts';
import { callSafely } from '../call-safely.ts';
import { MemoryHistoryStore, type HistoryItem, type HistoryStore } from './history-store.ts';
import { openRedisHistoryStore } from './redis-history-store.ts';
import { ServedRooms } from './served-rooms.ts';
import { sparseLog } from './sparse-log.ts';
import { builtInCommands, parseCommand, type ServerBot, type ServerBotCommand, type ServerBotContext } from './server-bot.ts';
import { serverPeerOptionSpecs } from './server-peer-options.ts';

export interface ServerPeerOptions {
  url: string;
  /** The hub's server-peer secret. */
  secret: string;
  /** Rooms to serve; empty: every room the hub opens. */
  rooms: string[];
  /** Broadcasts kept per room for late joiners. */
  historySize: number;
  /** Bytes of broadcasts kept per room (default: the hub's historyMaxBytes default, 1 MiB). */
  historyMaxBytes?: number;
  /** Unacknowledged bytes on all links beyond which late joiners get no history replay (default 64 MiB). */
  replayBudgetBytes?: number;
  /** Keep history in this Redis (see redis-history-store.ts); empty or absent: in memory. */
  redisUrl?: string;
  /** Before every Redis key (default rw:). */
  redisPrefix?: string;
  /** With Redis: how long a room's history stays once no server peer serves it (default 10 min). */
  historyTtlMs?: number;
  /** With Redis: bytes waiting for it beyond which broadcasts are not kept (default 16 MiB). */
  historyMaxPendingBytes?: number;
  /** Another store (tests, embedders); wins over redisUrl. */
  historyStore?: HistoryStore;
  name: string;
  bot?: ServerBot;
  rtc?: RtcFactory;
  /** Room client options for the server peer's own client (defaults otherwise). */
  client?: Partial<ClientOptions>;
  log?: (line: string) => void;
}

interface ServedRoom {
  room: Room;
}

export class ServerPeer {
  readonly client: RoomClient;
  private readonly rooms: ServedRooms<ServedRoom>;
  /** Every room handle served so far and its state: a handle taken back after a rejoin keeps its hooks. */
  private readonly attached = new WeakMap<Room, ServedRoom>();
  private readonly commands: Record<string, ServerBotCommand>;
  /** While a watch-rooms request is on its way: rooms an event told about meanwhile (newer than its answer). */
  private heard: Set<string> | undefined;
  private closed = false;
  /** The history and replay bounds, their defaults filled in once. */
  private readonly historyMaxBytes: number;
  private readonly replayBudgetBytes: number;
  /** Where broadcasts are kept: memory until start() opens Redis, if configured. */
  private history: HistoryStore;
  private readonly logLinkReset: (line: (count: number) => string) => void;
  private readonly logRoomServed: (line: (count: number) => string) => void;

  constructor(private readonly options: ServerPeerOptions) {
    this.client = createNodeClient({ ...options.client, url: options.url, ...(options.rtc ? { rtc: options.rtc } : {}) });
    this.commands = { ...builtInCommands(() => this.commands), ...options.bot?.commands };
    this.historyMaxBytes = options.historyMaxBytes ?? serverPeerOptionSpecs.historyMaxBytes.default;
    this.replayBudgetBytes = options.replayBudgetBytes ?? serverPeerOptionSpecs.replayBudgetBytes.default;
    this.history = options.historyStore ?? new MemoryHistoryStore(options.historySize, this.historyMaxBytes);
    this.rooms = new ServedRooms({
      join: (name) => this.serve(name),
      leave: (name, state) => {
        this.history.release(name);
        return this.release(name, state.room);
      },
    });
    // A hostile member can cause resets cheaply, and with many server peers on one Redis every room
    // another one serves is refused: log the 1st, 10th, 100th ... so the log stays small.
    this.logLinkReset = sparseLog((line) => this.log(line));
    this.logRoomServed = sparseLog((line) => this.log(line));
    this.client.on('link-reset', (e) => {
      this.logLinkReset((n) => `link reset #${n}: ${e.peerId} ${e.reason}, dropped ${e.droppedBytes} bytes`);
    });
  }

  /** Connects, then serves the configured rooms, or every room the hub opens. */
  async start(): Promise<void> {
    const o = this.options;
    if (o.historyStore === undefined && o.redisUrl) {
      this.history = await openRedisHistoryStore({
        url: o.redisUrl, prefix: o.redisPrefix ?? serverPeerOptionSpecs.redisPrefix.default,
        maxItems: o.historySize, maxBytes: this.historyMaxBytes,
        ttlMs: o.historyTtlMs ?? serverPeerOptionSpecs.historyTtlMs.default,
        maxPendingBytes: o.historyMaxPendingBytes ?? serverPeerOptionSpecs.historyMaxPendingBytes.default,
        log: (line) => this.log(line),
      });
    }
    await this.client.connect();
    this.client.on('error', (e) => {
      // A room we had that another server peer took while our session was gone (the code is inside the message).
      if (e.code === 'resume-failed' && e.message.includes(': room-served:')) this.refused(e.message);
      else this.log(`hub error ${e.code}: ${e.message}`);
    });
    this.client.on('rejoined', ({ rooms }) => void this.onRejoined(rooms));
    if (this.options.rooms.length > 0) {
      for (const room of this.options.rooms) this.rooms.want(room);
      await this.rooms.idle();
      return;
    }
    this.client.on('room-opened', (room) => this.heardOf(room, true));
    this.client.on('room-closed', (room) => this.heardOf(room, false));
    await this.watch();
    await this.rooms.idle();
  }

  /** Rooms served now. */
  roomNames(): string[] {
    return this.rooms.names();
  }

  /** Resolves when no join or leave of the server peer is on its way (tests). */
  settled(): Promise<void> {
    return this.rooms.idle();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.rooms.close();
    await this.client.close();
    // Redis keeps each room's history for historyTtlMs: the next server peer serving the room replays it.
    await this.history.close();
  }

  /** Asks the hub for the open rooms and to hear about rooms from now on; serves exactly those. */
  private async watch(): Promise<void> {
    const heard = new Set<string>();
    this.heard = heard;
    try {
      const open = await this.client.watchRooms(this.options.secret);
      this.rooms.wantOnly(open, heard);
      this.log(`watching rooms: ${open.length} open`);
    } finally {
      if (this.heard === heard) this.heard = undefined;
    }
  }

  private heardOf(room: string, open: boolean): void {
    this.heard?.add(room);
    if (open) this.rooms.want(room);
    else this.rooms.unwant(room);
  }

  /**
   * The hub lost our session (a restart): the client has rejoined our old rooms as a new peer. The rooms
   * it could not rejoin are no longer ours; and a new session hears nothing until it watches again, then
   * serves what the hub has open now and leaves the rest (old rooms nobody came back to).
   */
  private async onRejoined(rejoined: Room[]): Promise<void> {
    if (this.closed) return;
    const ours = new Set(this.rooms.entries().map(([, state]) => state.room));
    for (const [name, state] of this.rooms.entries()) {
      if (rejoined.includes(state.room)) continue;
      this.rooms.forget(name);
      this.history.release(name);
    }
    // A room whose leave was on its way when the session went was rejoined all the same: take it back, so
    // that the wish decides; if the name is taken meanwhile, just leave it.
    for (const room of rejoined) {
      if (ours.has(room)) continue;
      if (this.rooms.adopt(room.name, this.attach(room))) this.history.open(room.name);
      else void this.release(room.name, room);
    }
    if (this.options.rooms.length > 0) {
      for (const room of this.options.rooms) this.rooms.want(room);
      return;
    }
    try {
      await this.watch();
    } catch (err) {
      this.log(`could not watch rooms again: ${(err as Error).message}`);
    }
  }

  private async serve(name: string): Promise<ServedRoom | undefined> {
    if (this.closed) return undefined;
    let room: Room;
    // Before the join: a broadcast in the same network read as our `joined` is kept.
    this.history.open(name);
    try {
      // Hooks go on before the join is sent: a peer that joins right after us still gets its history and onJoin.
      room = await this.client.join(name, { name: this.options.name, token: this.options.secret, role: 'server' }, (handle) => this.attach(handle));
    } catch (err) {
      this.history.release(name);
      // One server peer per room: another serves it. Not an error; the hub says room-opened again if it leaves.
      if ((err as { code?: unknown }).code === 'room-served') this.refused(`${name} is served by another server peer`);
      else this.log(`could not join ${name}: ${(err as Error).message}`);
      return undefined;
    }
    this.log(`serving ${name}`);
    // Members that left while no server peer served the room are forgotten (the rest had their replay).
    this.history.present(name, [...room.members.values()].filter((p) => p.role !== 'server').map((p) => p.peerId));
    return this.attach(room);
  }

  /** Starts serving a joined room: history for late joiners, bot hooks. */
  private attach(room: Room): ServedRoom {
    const known = this.attached.get(room);
    if (known !== undefined) return known;
    const state = { room };
    this.attached.set(room, state);
    const ctx = this.context(room);
    room.on('peer-joined', (peer) => {
      if (peer.role === 'server') return;
      this.replay(room, peer.peerId);
      this.guard('onJoin', () => this.options.bot?.onJoin?.(peer, ctx));
    });
    room.on('peer-left', (peer) => this.history.left(room.name, peer.peerId));
    room.on('message', (m) => this.onMessage(m, ctx));
    return state;
  }

  /** Sends a late joiner the room's history: at once from memory, when Redis answers from Redis. */
  private replay(room: Room, peerId: string): void {
    if (this.overReplayBudget(room, peerId)) return;
    const items = this.history.replayFor(room.name, peerId);
    if (items instanceof Promise) void items.then((got) => this.sendHistory(room, peerId, got));
    else this.sendHistory(room, peerId, items);
  }

  /**
   * Replays wait in our links until acknowledged: members that never acknowledge must not make us hold
   * history for every room they join. Past the budget a late joiner just gets no replay.
   */
  private overReplayBudget(room: Room, peerId: string): boolean {
    if (this.client.unacknowledgedBytes() <= this.replayBudgetBytes) return false;
    this.log(`no history replay for ${peerId} in ${room.name}: links hold too much unacknowledged`);
    return true;
  }

  private sendHistory(room: Room, peerId: string, items: readonly HistoryItem[]): void {
    // Redis answered after the joiner left, or after we did (a room we left has no members).
    if (items.length === 0 || !room.members.has(peerId) || this.overReplayBudget(room, peerId)) return;
    // From Redis, an item another server peer kept may exceed our client's maxMessageBytes: skip just it.
    for (const item of items) this.guard('history replay', () => room.sendHistory(peerId, item));
  }

  private refused(why: string): void {
    this.logRoomServed((n) => `not serving (#${n}): ${why}`);
  }

  private async release(name: string, room: Room): Promise<void> {
    try {
      await room.leave();
      this.log(`released ${name}`);
    } catch (err) {
      this.log(`could not leave ${name}: ${(err as Error).message}`);
    }
  }

  private onMessage(m: RoomMessage, ctx: ServerBotContext): void {
    if (m.history !== undefined) return;
    const message = { room: m.room, from: m.from, name: ctx.nameOf(m.from), data: m.data, whisper: m.whisper };
    const command = parseCommand(m.data);
    if (command !== undefined) {
      const handler = this.commands[command[0]];
      if (handler === undefined) ctx.reply(m.from, `unknown command /${command[0]}: try /help`);
      else this.guard(`/${command[0]}`, () => handler.run(command[1], message, ctx));
      return;
    }
    // Whispers are private: never kept.
    if (!m.whisper) this.history.push(m.room, { from: m.from, at: Date.now(), data: m.data });
    this.guard('onMessage', () => this.options.bot?.onMessage?.(message, ctx));
  }

  private context(room: Room): ServerBotContext {
    return {
      room: room.name,
      members: () => [...room.members.values()],
      nameOf: (peerId) => room.members.get(peerId)?.name ?? '',
      reply: (to, data) => room.send(data, { to }),
      broadcast: (data) => room.send(data),
    };
  }

  private guard(what: string, fn: () => unknown): void {
    callSafely(what, fn, (message) => this.log(`failed: ${message}`));
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}
