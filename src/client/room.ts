/** One room as the application sees it: its members, their links' paths, messages in and out. */
import type { PeerInfo, PeerLeftReason, Topology } from '../protocol/index.ts';
import { Emitter } from './emitter.ts';
import { checkMessageSize } from './errors.ts';
import type { LinkPath } from './peer-link.ts';

export interface RoomMessage {
  room: string;
  from: string;
  data: string | Uint8Array;
  /** The path this message came by. */
  path: LinkPath;
  /** Sent to this peer only. */
  whisper: boolean;
  /** A replay by a server peer of an earlier room message: who sent it and when (ms since the epoch). */
  history?: { from: string; at: number };
}

export interface PeerState extends PeerInfo {
  path: LinkPath;
  /** Round-trip time over the link's current path, once measured. */
  rttMs: number | undefined;
  /** ICE state of the link's P2P attempt (diagnostics). */
  iceState: string;
}

export interface RoomEvents extends Record<string, unknown> {
  message: RoomMessage;
  'peer-joined': PeerInfo;
  'peer-left': { peerId: string; name: string; reason: PeerLeftReason };
  'path-change': { peerId: string; path: LinkPath; previous: LinkPath };
  topology: Topology;
  /** The hub took us out of the room (an operator closed it); the handle is done. */
  closed: { reason: string };
}

/** What a room needs from its client. */
export interface RoomHost {
  /** Largest message data send() takes. */
  readonly maxMessageBytes: number;
  /** A listener of this room threw: the client reports it. */
  listenerFailed(event: string, err: unknown): void;
  linkState(peerId: string): { path: LinkPath; rttMs: number | undefined; iceState: string };
  sendToPeer(peerId: string, room: string, data: string | Uint8Array, whisper: boolean, history?: { from: string; at: number }): void;
  leaveRoom(room: Room): Promise<void>;
}

export interface SendOptions {
  /** A peer id: whisper to that member only. */
  to?: string;
}

export class Room extends Emitter<RoomEvents> {
  /** The other members, by peer id. */
  readonly members = new Map<string, PeerInfo>();
  /** mesh, or star through the server peer (the hub decides; `topology` events tell changes). */
  topology: Topology = 'mesh';

  constructor(
    readonly name: string,
    private readonly host: RoomHost,
    /** What was asked for at join time: used again if the client must rejoin with a new session. */
    readonly joinRequest: { name?: string; token?: string; role?: 'peer' | 'server' },
  ) {
    super();
  }

  peers(): PeerState[] {
    return [...this.members.values()].map((p) => ({ ...p, ...this.host.linkState(p.peerId) }));
  }

  /**
   * To every other member, or with `to` to one of them. Strings and bytes of up to maxMessageBytes (else
   * MessageTooLargeError, code message-too-large, and nothing is sent).
   */
  send(data: string | Uint8Array, options: SendOptions = {}): void {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('send takes a string or a Uint8Array');
    checkMessageSize(data, this.host.maxMessageBytes);
    if (options.to !== undefined) {
      if (!this.members.has(options.to)) throw new Error(`no peer ${options.to} in room ${this.name}`);
      this.host.sendToPeer(options.to, this.name, data, true);
      return;
    }
    for (const peerId of this.members.keys()) this.host.sendToPeer(peerId, this.name, data, false);
  }

  /** Replays an earlier room message to one member, marked as history (what server peers do for late joiners). */
  sendHistory(to: string, item: { from: string; at: number; data: string | Uint8Array }): void {
    if (!this.members.has(to)) throw new Error(`no peer ${to} in room ${this.name}`);
    checkMessageSize(item.data, this.host.maxMessageBytes);
    this.host.sendToPeer(to, this.name, item.data, false, { from: item.from, at: item.at });
  }

  leave(): Promise<void> {
    return this.host.leaveRoom(this);
  }

  protected override listenerFailed(event: string, err: unknown): void {
    this.host.listenerFailed(`${event} in room ${this.name}`, err);
  }

  /** @internal the client reports room events through these */
  notify<K extends keyof RoomEvents>(event: K, value: RoomEvents[K]): void {
    this.emit(event, value);
  }
}
