/**
 * The room client: one signaling socket to a hub, the rooms joined through it, and one PeerLink per
 * remote peer that shares a room (links are shared by rooms; messages carry their room).
 * The same code runs in the browser (its WebSocket and RTCPeerConnection by default) and in Node
 * (src/client/node.ts injects ws and werift).
 */
import type { ClientCode, ErrorMessage, HubMessage, IceServer, JoinedMessage, PeerInfo, Topology, WatchingMessage } from '../protocol/index.ts';
import { Emitter, describeThrown } from './emitter.ts';
import { resolveClientOptions, type ClientOptions } from './options.ts';
import type { StarSend } from './link-outbox.ts';
import { PeerLink, isLinkSignal, type LinkHost, type LinkPath, type LinkSignal } from './peer-link.ts';
import { ReceiveBudget } from './receive-budget.ts';
import type { LinkResetReason } from './reliable-receiver.ts';
import type { LinkMessage } from './reliable-stream.ts';
import { RoomIndex } from './room-index.ts';
import { Room, type RoomHost } from './room.ts';
import type { RtcFactory } from './rtc.ts';
import { SignalingSocket, type SignalingState, type WebSocketFactory } from './signaling-socket.ts';

export interface RoomClientConfig extends Partial<ClientOptions> {
  /** The hub's signaling URL, e.g. ws://localhost:8080/ws */
  url: string;
  /** Default: the global WebSocket (browsers). */
  webSocket?: WebSocketFactory;
  /** Default: the global RTCPeerConnection (browsers). Ignored when p2p is false. */
  rtc?: RtcFactory;
}

/** An error the client reports itself (see CLIENT_CODES), shaped like the hub's. */
export interface ClientErrorEvent {
  type: 'error';
  code: ClientCode;
  message: string;
}

export interface ClientEvents extends Record<string, unknown> {
  signaling: SignalingState;
  'path-change': { peerId: string; path: LinkPath; previous: LinkPath };
  /**
   * An error from the hub that answered no request of ours, or the client's own (`listener-error`: an
   * application listener threw; it is reported here instead of being rethrown).
   */
  error: ErrorMessage | ClientErrorEvent;
  /**
   * A peer broke a receive bound (maxMessageBytes, maxReceiveBufferBytes) or sent a message that does not
   * parse: its partial message was dropped, and its link skips to its next message. Other links go on.
   */
  'link-reset': { peerId: string; reason: LinkResetReason; droppedBytes: number };
  /** The hub ended our session for good: 4001 (another connection resumed it) or 4003 (an operator kicked us). */
  ended: { code: number; reason: string };
  /** Server peers (after watchRooms): a room got its first peer, or lost its last. */
  'room-opened': string;
  'room-closed': string;
  /**
   * The hub lost our session (it restarted, or we were away past its resume grace): we came back as a new
   * peer id and have tried to rejoin every room (failures were `error` events). `rooms` are those rejoined,
   * the same Room objects as before. Server peers watch rooms again here.
   */
  rejoined: { peerId: string; rooms: Room[] };
}

/** Frames of the hub relay that carry link batches: `{l: base64}`. */
interface RelayPayload {
  l: string;
}

export class RoomClient extends Emitter<ClientEvents> {
  readonly options: ClientOptions;
  private readonly signaling: SignalingSocket;
  private readonly rtc: RtcFactory | undefined;
  private readonly rooms = new Map<string, Room>();
  /** Rooms whose join is on its way, by name. */
  private readonly joining = new Map<string, Room>();
  private readonly links = new Map<string, PeerLink>();
  private readonly receiveBudget: ReceiveBudget;
  private readonly index = new RoomIndex(this.rooms, this.links);
  private currentIceServers: IceServer[] = [];
  /** Server peers: batches not forwarded because the member's link was too far behind (diagnostics). */
  forwardsDropped = 0;
  private iceRefreshTimer: ReturnType<typeof setTimeout> | undefined;
  private nextRequest = 1;
  private readonly linkHost: LinkHost;
  private readonly roomHost: RoomHost;

  constructor(config: RoomClientConfig) {
    super();
    const { url, webSocket, rtc, ...overrides } = config;
    this.options = resolveClientOptions(overrides);
    this.receiveBudget = new ReceiveBudget(this.options.maxReceiveBufferBytes);
    this.rtc = this.options.p2p ? (rtc ?? globalRtc()) : undefined;
    this.signaling = new SignalingSocket(url, webSocket ?? globalWebSocket(), this.options);
    this.signaling.on('message', (m) => this.onHubMessage(m));
    this.signaling.on('state', (s) => this.emit('signaling', s));
    this.signaling.on('resumed', (m) => {
      this.setIceServers(m.iceServers);
      for (const { room, peers, topology } of m.rooms) {
        this.syncMembers(room, peers);
        this.setTopology(room, topology);
      }
    });
    this.signaling.on('session-lost', () => void this.rejoinAll());
    this.signaling.on('ended', (e) => {
      for (const link of this.links.values()) void link.close();
      this.links.clear();
      this.emit('ended', e);
    });
    this.linkHost = this.createLinkHost();
    this.roomHost = this.createRoomHost();
  }

  get peerId(): string {
    const id = this.signaling.peerId;
    if (id === undefined) throw new Error('not connected');
    return id;
  }

  get signalingState(): SignalingState {
    return this.signaling.state;
  }

  async connect(): Promise<void> {
    await this.signaling.connect();
  }

  /**
   * Joins a room. `prepare` gets the room's handle before the join is sent: listeners added there hear
   * every event, even a peer joining in the same network read as our `joined` (which may happen before
   * this promise resumes its caller).
   */
  async join(room: string, request: { name?: string; token?: string; role?: 'peer' | 'server' } = {}, prepare?: (room: Room) => void): Promise<Room> {
    if (this.rooms.has(room) || this.joining.has(room)) throw new Error(`already in room ${room}`);
    const handle = new Room(room, this.roomHost, request);
    prepare?.(handle);
    await this.joinAs(handle);
    return handle;
  }

  /**
   * Sends the join; the room goes live in onHubMessage the moment `joined` arrives, not when this promise
   * resumes: a `peer-joined` in the same network read must already find it.
   */
  private async joinAs(handle: Room): Promise<void> {
    this.joining.set(handle.name, handle);
    try {
      await this.request<JoinedMessage>({ type: 'join', room: handle.name, ...handle.joinRequest }, 'joined');
    } finally {
      this.joining.delete(handle.name);
    }
  }

  /**
   * For server peers: hear when rooms open (`room-opened`) and close (`room-closed`). Resolves with the
   * rooms that have peers now. `token` is the hub's server-peer secret.
   */
  async watchRooms(token: string): Promise<string[]> {
    const answer = await this.request<WatchingMessage>({ type: 'watch-rooms', token }, 'watching');
    return answer.rooms;
  }

  /** The ICE servers new peer connections use (TURN credentials are refreshed before they expire). */
  get iceServers(): IceServer[] {
    return this.currentIceServers;
  }

  /** Bytes sent or queued on all links and not yet acknowledged (what this client holds for its peers). */
  unacknowledgedBytes(): number {
    let bytes = 0;
    for (const link of this.links.values()) bytes += link.bufferedAmount;
    return bytes;
  }

  /** The link to a peer, for diagnostics. */
  link(peerId: string): PeerLink | undefined {
    return this.links.get(peerId);
  }

  /** Bytes all links hold for messages being reassembled and chunks ahead of a gap (diagnostics). */
  get receiveBufferedBytes(): number {
    return this.receiveBudget.usedBytes;
  }

  /** Drops the signaling socket as a network failure would; the client reconnects and resumes. */
  dropSignalingForTest(): void {
    this.signaling.dropForTest();
  }

  /** Leaves everything at once (a deliberate close); resolves when every peer connection has closed. */
  close(): Promise<void> {
    clearTimeout(this.iceRefreshTimer);
    const closing = [...this.links.values()].map((link) => link.close());
    this.links.clear();
    this.rooms.clear();
    this.signaling.close();
    return Promise.all(closing).then(() => {});
  }

  /** A listener (ours or a room's) threw: an `error` event when someone listens for errors, else a log line. */
  protected override listenerFailed(event: string, err: unknown): void {
    if (event === 'error' || !this.hasListeners('error')) return super.listenerFailed(event, err);
    this.emit('error', { type: 'error', code: 'listener-error', message: `a listener of ${event} threw: ${describeThrown(err)}` });
  }

  // ---- hub messages ----

  private onHubMessage(m: HubMessage): void {
    switch (m.type) {
      case 'signal':
        if (isLinkSignal(m.data)) this.ensureLink(m.from)?.onSignal(m.data);
        return;
      case 'relay': {
        const payload = m.data as RelayPayload | null;
        if (payload !== null && typeof payload === 'object' && typeof payload.l === 'string') this.links.get(m.from)?.onRelay(payload.l);
        return;
      }
      case 'peer-joined': {
        const room = this.rooms.get(m.room);
        if (room === undefined) return;
        const info: PeerInfo = { peerId: m.peerId, name: m.name, role: m.role };
        room.members.set(m.peerId, info);
        this.ensureLink(m.peerId);
        if (info.role === 'server') this.updateStarLinks(); // a star may now have its hub
        room.notify('peer-joined', info);
        return;
      }
      case 'peer-left': {
        const room = this.rooms.get(m.room);
        const info = room?.members.get(m.peerId);
        if (room === undefined || info === undefined) return;
        room.members.delete(m.peerId);
        this.dropLinkIfUnshared(m.peerId);
        if (info.role === 'server') this.updateStarLinks(); // a star without its server peer: back to P2P
        room.notify('peer-left', { peerId: m.peerId, name: info.name, reason: m.reason });
        return;
      }
      case 'left': {
        // Without `ref`: not an answer to our leave, but an operator closing the room.
        if (m.ref !== undefined) return;
        const room = this.rooms.get(m.room);
        if (room === undefined) return;
        this.forgetRoom(room);
        room.notify('closed', { reason: m.reason ?? 'room-closed' });
        return;
      }
      case 'joined': {
        const handle = this.joining.get(m.room);
        if (handle === undefined) return;
        this.rooms.set(m.room, handle);
        this.setIceServers(m.iceServers);
        handle.topology = m.topology ?? 'mesh';
        this.syncMembers(m.room, m.peers);
        return;
      }
      case 'topology':
        this.setTopology(m.room, m.topology);
        return;
      case 'room-opened':
      case 'room-closed':
        this.emit(m.type, m.room);
        return;
      case 'ice-servers':
        this.setIceServers(m.iceServers);
        return;
      case 'error':
        if (m.ref === undefined) this.emit('error', m);
        return;
      default:
        return; // left answers a request; welcome/resumed are the socket's
    }
  }

  private request<T extends HubMessage>(message: Record<string, unknown> & { type: string }, answer: T['type']): Promise<T> {
    const id = `q${this.nextRequest++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${message.type}: no answer from the hub within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      const off = this.signaling.on('message', (m) => {
        if (!('ref' in m) || m.ref !== id) return;
        if (m.type !== answer && m.type !== 'error') return;
        clearTimeout(timer);
        off();
        if (m.type === 'error') reject(Object.assign(new Error(`${message.type}: ${m.code}: ${m.message}`), { code: m.code }));
        else resolve(m as T);
      });
      this.signaling.send({ ...message, id } as never);
    });
  }

  /**
   * Keeps the servers for new connections, and asks the hub for fresh ones when 80% of the shortest TURN
   * credential lifetime has passed (usernames are "<unix-expiry>:<id>").
   */
  private setIceServers(servers: IceServer[]): void {
    this.currentIceServers = servers;
    clearTimeout(this.iceRefreshTimer);
    const expiries = servers.map((s) => /^(\d+):/.exec(s.username ?? '')?.[1]).filter((e) => e !== undefined).map(Number);
    if (expiries.length === 0) return;
    const leftMs = Math.min(...expiries) * 1000 - Date.now();
    // The hub gives TURN credentials only to peers in a room: out of every room, wait for the next join.
    this.iceRefreshTimer = setTimeout(() => {
      if (this.rooms.size > 0) this.signaling.send({ type: 'refresh-ice' });
    }, Math.max(1_000, leftMs * 0.8));
  }

  /** Makes a room's member list what the hub says, with events for the differences. */
  private syncMembers(roomName: string, peers: PeerInfo[]): void {
    const room = this.rooms.get(roomName);
    if (room === undefined) return;
    const now = new Map(peers.map((p) => [p.peerId, p]));
    for (const [peerId, info] of [...room.members]) {
      if (now.has(peerId)) continue;
      room.members.delete(peerId);
      this.dropLinkIfUnshared(peerId);
      room.notify('peer-left', { peerId, name: info.name, reason: 'disconnected' });
    }
    for (const [peerId, info] of now) {
      if (room.members.has(peerId)) continue;
      room.members.set(peerId, info);
      this.ensureLink(peerId);
      room.notify('peer-joined', info);
    }
    this.updateStarLinks(); // the server peer may have come later in the list than the links it serves
  }

  /** The hub lost our session (we were away too long): same rooms, new peer id, new links. */
  private async rejoinAll(): Promise<void> {
    this.signaling.clearBacklog();
    for (const link of this.links.values()) link.close();
    this.links.clear();
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    const rejoined: Room[] = [];
    for (const old of rooms) {
      for (const [peerId, info] of old.members) old.notify('peer-left', { peerId, name: info.name, reason: 'disconnected' });
      old.members.clear();
      try {
        await this.joinAs(old);
        rejoined.push(old);
      } catch (err) {
        this.emit('error', { type: 'error', code: 'resume-failed', message: `could not rejoin ${old.name}: ${(err as Error).message}` });
      }
    }
    if (this.signaling.state !== 'closed') this.emit('rejoined', { peerId: this.peerId, rooms: rejoined });
  }

  // ---- links ----

  private ensureLink(peerId: string): PeerLink | undefined {
    let link = this.links.get(peerId);
    if (link === undefined && this.index.sharesRoomWith(peerId)) {
      link = new PeerLink(peerId, this.linkHost);
      this.links.set(peerId, link);
      link.setStar(this.index.starWith(peerId));
    }
    return link;
  }

  // ---- star topology ----

  private setTopology(roomName: string, topology: Topology): void {
    const room = this.rooms.get(roomName);
    if (room === undefined || room.topology === topology) return;
    room.topology = topology;
    this.updateStarLinks();
    room.notify('topology', topology);
  }

  private updateStarLinks(): void {
    for (const [peerId, link] of this.links) link.setStar(this.index.starWith(peerId));
  }

  /** We are out of the room (we left, or an operator closed it): its links go unless another room needs them. */
  private forgetRoom(room: Room): void {
    this.rooms.delete(room.name);
    for (const peerId of room.members.keys()) this.dropLinkIfUnshared(peerId);
    room.members.clear();
  }

  private dropLinkIfUnshared(peerId: string): void {
    if (this.index.sharesRoomWith(peerId)) return;
    this.links.get(peerId)?.close();
    this.links.delete(peerId);
  }

  private createLinkHost(): LinkHost {
    const client = this;
    return {
      get localId() { return client.peerId; },
      options: this.options,
      receiveBudget: this.receiveBudget,
      rtc: this.rtc,
      iceServers: () => this.currentIceServers,
      sendSignal: (to: string, data: LinkSignal) => this.signaling.send({ type: 'signal', to, data }),
      sendRelay: (to: string, batch: string) => this.signaling.send({ type: 'relay', to, data: { l: batch } satisfies RelayPayload }),
      relayBatchBytes: () => {
        // base64 grows 4/3; leave room for the JSON envelope and a uuid.
        const frame = this.signaling.limits?.maxFrameBytes ?? 64 * 1024;
        return Math.max(1024, Math.floor(((frame - 256) * 3) / 4));
      },
      relayIdle: () => this.signaling.backlog === 0,
      sendViaServer: (to: string, batch: Uint8Array): StarSend => {
        const server = this.index.serverLinkFor(to);
        if (server === undefined) return 'unavailable';
        if (server.backlog > this.options.starBacklogRecords) return 'busy';
        server.forward(to, batch);
        return 'sent';
      },
      forwarded: (via: string, peer: string, batch: Uint8Array) => {
        if (this.index.roleOf(via) === 'server') {
          this.ensureLink(peer)?.onForwarded(batch); // from `peer`, through the server peer
        } else if (this.index.amServer() && this.index.shareRoom(via, peer)) {
          // We are the server peer: pass it on, between room mates only. A member that reads too slowly
          // does not grow our memory: past the bound the batch is dropped, and the sender's link, which
          // gets no acknowledgement for it, sends it again.
          const target = this.links.get(peer);
          if (target === undefined) return;
          if (target.backlog < this.options.forwardBacklogRecords) target.forward(via, batch);
          else this.forwardsDropped++;
        }
      },
      deliver: (from: string, message: LinkMessage, path: LinkPath) => {
        const room = this.rooms.get(message.room);
        const sender = room?.members.get(from);
        if (room === undefined || sender === undefined) return;
        // Only a server peer replays history: from anyone else the flag would let them speak in another
        // member's name, so the message counts as what it is, theirs, sent now.
        const history = sender.role === 'server' ? message.history : undefined;
        room.notify('message', {
          room: message.room, from, data: message.data, path, whisper: message.whisper,
          ...(history === undefined ? {} : { history }),
        });
      },
      pathChanged: (peerId: string, path: LinkPath, previous: LinkPath) => {
        // The hub counts links by path for its operators (metrics, admin API); nobody else hears of it.
        this.signaling.send({ type: 'link-path', peerId, path });
        this.emit('path-change', { peerId, path, previous });
        for (const room of this.rooms.values()) if (room.members.has(peerId)) room.notify('path-change', { peerId, path, previous });
      },
      linkReset: (peerId: string, reason: LinkResetReason, droppedBytes: number) => this.emit('link-reset', { peerId, reason, droppedBytes }),
    };
  }

  private createRoomHost(): RoomHost {
    return {
      maxMessageBytes: this.options.maxMessageBytes,
      listenerFailed: (event, err) => this.listenerFailed(event, err),
      linkState: (peerId) => {
        const link = this.links.get(peerId);
        return { path: link?.path ?? 'connecting', rttMs: link?.rttMs, iceState: link?.iceState ?? 'new' };
      },
      sendToPeer: (peerId, room, data, whisper, history) => {
        const link = this.ensureLink(peerId);
        if (link === undefined) throw new Error(`no link to ${peerId}`);
        link.send(history === undefined ? { room, data, whisper } : { room, data, whisper, history });
      },
      leaveRoom: async (room) => {
        if (this.rooms.get(room.name) !== room) return;
        await this.request({ type: 'leave', room: room.name }, 'left');
        this.forgetRoom(room);
      },
    };
  }
}


function globalWebSocket(): WebSocketFactory {
  const Ctor = (globalThis as unknown as { WebSocket?: new (url: string) => never }).WebSocket;
  if (Ctor === undefined) throw new Error('no global WebSocket: pass `webSocket` (src/client/node.ts does)');
  return (url) => new Ctor(url);
}

function globalRtc(): RtcFactory {
  const Ctor = (globalThis as unknown as { RTCPeerConnection?: new (config: unknown) => never }).RTCPeerConnection;
  if (Ctor === undefined) throw new Error('no global RTCPeerConnection: pass `rtc` (src/client/node.ts does), or p2p: false');
  return (config) => new Ctor(config);
}
