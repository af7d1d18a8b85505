/**
 * The server peer: a room client with werift (role `server`) that joins rooms as the hub opens them,
 * keeps the last broadcasts of each room and replays them to late joiners (marked as history), and runs
 * server-side bot hooks. It is a client like any other: the hub only relays for it and tells it about rooms.
 */
import { createNodeClient } from '../client/node.ts';
import type { Room, RoomMessage } from '../client/room.ts';
import type { RoomClient } from '../client/room-client.ts';
import type { ClientOptions } from '../client/options.ts';
import type { RtcFactory } from '../client/rtc.ts';
import { callSafely } from '../call-safely.ts';
import { RoomHistory } from './room-history.ts';
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
  name: string;
  bot?: ServerBot;
  rtc?: RtcFactory;
  /** Room client options for the server peer's own client (defaults otherwise). */
  client?: Partial<ClientOptions>;
  log?: (line: string) => void;
}

export class ServerPeer {
  readonly client: RoomClient;
  private readonly rooms = new Map<string, { room: Room; history: RoomHistory }>();
  private readonly commands: Record<string, ServerBotCommand>;
  private closed = false;

  constructor(private readonly options: ServerPeerOptions) {
    this.client = createNodeClient({ ...options.client, url: options.url, ...(options.rtc ? { rtc: options.rtc } : {}) });
    this.commands = { ...builtInCommands(() => this.commands), ...options.bot?.commands };
    // A hostile member can cause resets cheaply: log the 1st, 10th, 100th ... so the log stays small.
    let resets = 0;
    let nextLogged = 1;
    this.client.on('link-reset', (e) => {
      if (++resets < nextLogged) return;
      nextLogged *= 10;
      this.log(`link reset #${resets}: ${e.peerId} ${e.reason}, dropped ${e.droppedBytes} bytes`);
    });
  }

  /** Connects, then serves the configured rooms, or every room the hub opens. */
  async start(): Promise<void> {
    await this.client.connect();
    this.client.on('error', (e) => this.log(`hub error ${e.code}: ${e.message}`));
    if (this.options.rooms.length > 0) {
      await Promise.all(this.options.rooms.map((room) => this.serve(room)));
      return;
    }
    this.client.on('room-opened', (room) => void this.serve(room));
    this.client.on('room-closed', (room) => void this.release(room));
    const open = await this.client.watchRooms(this.options.secret);
    await Promise.all(open.map((room) => this.serve(room)));
  }

  /** Rooms served now. */
  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.close();
  }

  private async serve(name: string): Promise<void> {
    if (this.closed || this.rooms.has(name)) return;
    let room: Room;
    try {
      room = await this.client.join(name, { name: this.options.name, token: this.options.secret, role: 'server' });
    } catch (err) {
      this.log(`could not join ${name}: ${(err as Error).message}`);
      return;
    }
    const state = { room, history: new RoomHistory(this.options.historySize, this.options.historyMaxBytes ?? serverPeerOptionSpecs.historyMaxBytes.default) };
    this.rooms.set(name, state);
    const ctx = this.context(room);
    room.on('peer-joined', (peer) => {
      if (peer.role === 'server') return;
      for (const item of state.history) room.sendHistory(peer.peerId, item);
      this.guard('onJoin', () => this.options.bot?.onJoin?.(peer, ctx));
    });
    room.on('message', (m) => this.onMessage(state, m, ctx));
    this.log(`serving ${name}`);
  }

  private async release(name: string): Promise<void> {
    const state = this.rooms.get(name);
    if (state === undefined) return;
    this.rooms.delete(name);
    await state.room.leave().catch(() => {});
    this.log(`released ${name}`);
  }

  private onMessage(state: { room: Room; history: RoomHistory }, m: RoomMessage, ctx: ServerBotContext): void {
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
    if (!m.whisper) state.history.push({ from: m.from, at: Date.now(), data: m.data });
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
