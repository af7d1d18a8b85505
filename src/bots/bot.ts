/**
 * A headless bot: one room client in one room, driven by options, a script and lines of input. The CLI
 * (`roomwire bot`) runs it on the process's streams; tests run it as a subprocess.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { createNodeClient } from '../client/node.ts';
import type { Room, RoomMessage } from '../client/room.ts';
import type { RoomClient } from '../client/room-client.ts';
import type { PeerInfo } from '../protocol/index.ts';
import { formatEvent, type BotEvent } from './bot-events.ts';
import type { BotOptions } from './bot-options.ts';
import { callSafely } from '../call-safely.ts';
import { importDefault } from '../user-module.ts';

/** What a --script module's default export may handle. Every handler is optional. */
export interface BotScript {
  onJoin?(ctx: BotContext): unknown;
  onMessage?(message: RoomMessage & { name: string }, ctx: BotContext): unknown;
  onPeerJoined?(peer: PeerInfo, ctx: BotContext): unknown;
  onPeerLeft?(peer: PeerInfo, ctx: BotContext): unknown;
  /** A line typed on stdin; return true to keep it from being sent to the room. */
  onLine?(line: string, ctx: BotContext): unknown;
}

export interface BotContext {
  readonly name: string;
  readonly room: Room;
  readonly client: RoomClient;
  /** To the room, or with `to` (a peer id) to one peer. */
  send(data: string | Uint8Array, to?: string): void;
  /** A peer of the room by display name. */
  peerByName(name: string): PeerInfo | undefined;
}

export interface BotIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Aborted on SIGINT/SIGTERM: the bot leaves the room and resolves. */
  signal: AbortSignal;
}

/** Exit codes: 0 clean, 1 the hub cannot be reached, 3 the hub refused the join. */
export const BOT_EXIT = { ok: 0, unreachable: 1, refused: 3 } as const;

export async function runBot(options: BotOptions, io: BotIo): Promise<number> {
  const name = options.name || `bot-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
  const print = (e: BotEvent) => {
    const line = formatEvent(e, options.json);
    if (line !== undefined) io.stdout.write(line + '\n');
  };
  const script: BotScript = options.script ? (((await importDefault(options.script)) as BotScript | undefined) ?? {}) : {};

  const client = createNodeClient({
    url: options.url,
    p2p: options.p2p,
    iceTransportPolicy: options.icePolicy,
  });
  try {
    await client.connect();
  } catch (err) {
    io.stderr.write(`roomwire bot: ${(err as Error).message}\n`);
    client.close();
    return BOT_EXIT.unreachable;
  }
  let room: Room;
  try {
    room = await client.join(options.room, { name, ...(options.token ? { token: options.token } : {}) });
  } catch (err) {
    io.stderr.write(`roomwire bot: the hub refused to let us join ${options.room}: ${(err as Error).message}\n`);
    client.close();
    return BOT_EXIT.refused;
  }

  const nameOf = (peerId: string) => room.members.get(peerId)?.name ?? '';
  const ctx: BotContext = {
    name,
    room,
    client,
    send: (data, to) => {
      room.send(data, to === undefined ? {} : { to });
      print({ event: 'sent', room: room.name, ...(to === undefined ? {} : { to }), bytes: typeof data === 'string' ? data.length : data.length });
    },
    peerByName: (peerName) => [...room.members.values()].find((p) => p.name === peerName),
  };
  const guard = (what: string, fn: () => unknown) =>
    callSafely(what, fn, (message) => print({ event: 'error', code: 'script-error', message }));

  print({ event: 'joined', room: room.name, peerId: client.peerId, name, topology: room.topology, peers: room.peers() });
  room.on('topology', (topology) => print({ event: 'topology', room: room.name, topology }));
  room.on('peer-joined', (p) => {
    print({ event: 'peer-joined', room: room.name, ...p });
    guard('onPeerJoined', () => script.onPeerJoined?.(p, ctx));
  });
  room.on('peer-left', ({ peerId, name: peerName, reason }) => {
    const peer = { peerId, name: peerName, role: 'peer' as const };
    print({ event: 'peer-left', room: room.name, peerId, name: peerName, reason });
    guard('onPeerLeft', () => script.onPeerLeft?.(peer, ctx));
  });
  room.on('path-change', ({ peerId, path, previous }) => print({ event: 'path-change', room: room.name, peerId, name: nameOf(peerId), path, previous }));
  room.on('message', (m) => {
    const binary = typeof m.data !== 'string';
    print({
      event: 'message', room: m.room, from: m.history?.from ?? m.from, name: nameOf(m.history?.from ?? m.from), whisper: m.whisper, path: m.path, binary,
      ...(m.history === undefined ? {} : { history: true }),
      data: binary ? Buffer.from(m.data as Uint8Array).toString('base64') : (m.data as string),
    });
    if (options.echo && !m.whisper) ctx.send(m.data, m.from);
    guard('onMessage', () => script.onMessage?.({ ...m, name: nameOf(m.from) }, ctx));
  });
  client.on('signaling', (state) => print({ event: 'signaling', state }));
  client.on('error', (e) => print({ event: 'error', code: e.code, message: e.message }));
  guard('onJoin', () => script.onJoin?.(ctx));

  const sayTimer = options.say ? setInterval(() => ctx.send(options.say), options.every) : undefined;
  const lines = createInterface({ input: io.stdin, terminal: false });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let handled = false;
    guard('onLine', () => {
      handled = script.onLine?.(line, ctx) === true;
    });
    if (handled) return;
    const whisper = /^\/w\s+(\S+)\s+(.*)$/.exec(line);
    if (whisper === null) return ctx.send(line);
    const peer = ctx.peerByName(whisper[1]!) ?? room.members.get(whisper[1]!);
    if (peer === undefined) return print({ event: 'error', code: 'peer-not-found', message: `no peer named ${whisper[1]} in ${room.name}` });
    ctx.send(whisper[2]!, peer.peerId);
  });

  await new Promise<void>((done) => {
    if (io.signal.aborted) done();
    else io.signal.addEventListener('abort', () => done(), { once: true });
  });
  clearInterval(sayTimer);
  lines.close();
  try {
    await room.leave();
    print({ event: 'left', room: room.name });
  } catch {
    // the hub is gone: closing is all that is left
  }
  client.close();
  return BOT_EXIT.ok;
}
