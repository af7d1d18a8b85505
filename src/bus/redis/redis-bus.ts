/**
 * The bus for several hubs sharing one Redis (`--redis-url`). Redis holds membership, sessions and hub
 * liveness; its pub/sub carries frames between hubs. Routing is by subscription: a hub subscribes to the
 * channel of each peer it holds and of each room it has members in, so a frame to one peer is one PUBLISH
 * that reaches the one hub holding it, and a frame to a room reaches only hubs with members there; the
 * cost of a message does not grow with the number of hubs. Frames between peers on the same hub never
 * touch Redis.
 *
 * Order: one connection publishes (scripts included) and one subscribes, and Redis delivers to each
 * subscriber in the order it ran the publishes, so frames from one sender to one receiver keep their order,
 * whichever channels they take; a handover marker on the peer's channel cuts that one order in two exactly:
 * what came before it stays with the previous hub (which hands it over), what came after is the new hub's.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import type { PeerInfo } from '../../protocol/index.ts';
import type {
  AddressLedger, BusHealth, BusListener, BusLimits, BusStats, Endpoint, JoinOutcome, JoinRefusal, LeaveOutcome, RoomBus, SessionHandover, SessionRecord,
} from '../room-bus.ts';
import {
  handoverAnswer, handoverMarker, readHandoverAnswer, readHandoverMarker, readRoomEvent, readRoomFrame, readRoomsEvent, roomFrame,
} from './channel-messages.ts';
import { RedisAddressLedger } from './address-ledger.ts';
import { HubLiveness } from './hub-liveness.ts';
import { IncomingSession } from './incoming-session.ts';
import { CLAIM, FORGET, JOIN, LEAVE, RedisNames, ROTATE } from './redis-scripts.ts';
import { RoomReplicas, type Replica } from './room-replicas.ts';

export interface RedisBusOptions extends BusLimits {
  redisUrl: string;
  redisKeyPrefix: string;
  redisCommandTimeoutMs: number;
  hubTtlMs: number;
  handoverTimeoutMs: number;
  resumeGraceMs: number;
  /** Frames kept for a session while another hub hands it over (beyond: dropped, as a dead hub's would be). */
  resumeBufferMaxMessages: number;
}

export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

interface Joining {
  room: string;
  /** The peer's endpoint before the hold, restored after it. */
  endpoint: Endpoint | undefined;
  held: string[];
  hold: Endpoint;
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');
const joinKey = (peerId: string, room: string) => `${peerId} ${room}`;

type Scripted = RedisClient & {
  rwJoin(...args: (string | number)[]): Promise<[string, number?, number?, string[]?]>;
  rwLeave(...args: string[]): Promise<[string?, number?, number?]>;
  rwForget(...args: string[]): Promise<number>;
  rwRotate(...args: string[]): Promise<number>;
  rwClaim(...args: string[]): Promise<[string?, string?, number?, string?, string?, string[]?]>;
};

export class RedisBus implements RoomBus {
  /** This hub in Redis: a new id per process, so a restarted hub never inherits a dead one's sessions. */
  readonly hubId = randomUUID();
  readonly names: RedisNames;
  private redis!: Scripted;
  private sub!: RedisClient;
  private listener!: BusListener;
  private liveness!: HubLiveness;
  private ledger: RedisAddressLedger | undefined;
  private readonly endpoints = new Map<string, Endpoint>();
  /** Rooms of each peer connected here, and what other hubs need to resume its session. */
  private readonly local = new Map<string, { rooms: Set<string>; record: SessionRecord }>();
  private readonly replicas = new RoomReplicas();
  /** Sessions this hub is taking over from other hubs, by peer id; and the answers it awaits, by request id. */
  private readonly incoming = new Map<string, IncomingSession>();
  /** Peers of this hub with a join on its way: what reaches them is held until their `joined` is sent. */
  private readonly joining = new Map<string, Joining>();
  private readonly handovers = new Map<string, (frames: string[] | null) => void>();
  /** Joins on their way from this hub (joinKey): the repair does not take them for memberships left. */
  private readonly joinsInFlight = new Set<string>();
  /** Claims of sessions from other hubs on their way. */
  private readonly claims = new Set<Promise<boolean>>();
  private closed = false;
  /** The subscriber connection holds its subscriptions (false from its loss until they are back). */
  private listening = false;
  /** The command connection is corked until the current tick's code has run (see corkForTick). */
  private corked = false;

  constructor(private readonly options: RedisBusOptions, private readonly logger: BusLogger) {
    this.names = new RedisNames(options.redisKeyPrefix);
  }

  async start(listener: BusListener): Promise<void> {
    this.listener = listener;
    const { Redis } = await import('ioredis'); // only hubs with --redis-url load it
    const common = {
      lazyConnect: true,
      commandTimeout: this.options.redisCommandTimeoutMs,
      retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 3_000), // backoff to 3 s
    };
    // No offline queue: while Redis is away, a command fails at once instead of waiting (internal-error).
    // Named, so that CLIENT LIST tells which hub holds a connection (and an operator can tell a subscriber).
    const name = `roomwire-hub-${this.hubId}`;
    this.redis = new Redis(this.options.redisUrl, { ...common, connectionName: name, enableOfflineQueue: false, maxRetriesPerRequest: 0 }) as Scripted;
    this.sub = new Redis(this.options.redisUrl, { ...common, connectionName: `${name}-sub`, autoResubscribe: true });
    for (const [name, lua] of [['rwJoin', JOIN], ['rwLeave', LEAVE], ['rwForget', FORGET], ['rwRotate', ROTATE], ['rwClaim', CLAIM]] as const) {
      this.redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
    for (const client of [this.redis, this.sub]) client.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'redis connection error'));
    this.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    const ledger = (this.ledger = new RedisAddressLedger(this.redis, this.names, this.hubId, this.logger));
    this.liveness = new HubLiveness(this.redis, this.names, this.hubId, this.options, this.logger, {
      listening: () => this.listening,
      reregister: (lostData) => this.reregister(lostData),
      reap: (peerId, deadHub) => this.reap(peerId, deadHub),
      forgetHub: (deadHub) => ledger.forgetHub(deadHub),
    });
    await Promise.all([this.redis.connect(), this.sub.connect()]);
    await this.sub.subscribe(this.names.hubChannel(this.hubId), this.names.roomsChannel);
    this.listening = true;
    // Redis drops a subscriber (client-output-buffer-limit pubsub, a network cut) with the other connection
    // up: the events published meanwhile are lost, so room copies must be read again (reregister) once the
    // subscriptions are back. A PING answered after ioredis's resubscribes says they are in place.
    this.sub.on('close', () => {
      this.listening = false;
      this.liveness.markDown('subscriber connection closed');
    });
    this.sub.on('ready', () => setImmediate(() => {
      this.sub.ping().then(() => (this.listening = true), () => {});
    }));
    await this.liveness.start();
  }

  otherHubs(): number {
    return this.liveness?.otherHubs ?? 0;
  }

  health(): BusHealth {
    return this.liveness?.up ? 'up' : 'down';
  }

  addressLedger(): AddressLedger | undefined {
    return this.ledger;
  }

  async join(room: string, member: PeerInfo, session: SessionRecord): Promise<JoinOutcome> {
    this.liveness.ensureUp();
    const replica = this.follow(room);
    replica.pending++;
    const inFlight = joinKey(member.peerId, room);
    this.joinsInFlight.add(inFlight);
    let joining: Joining | undefined;
    try {
      await replica.subscribed;
      await this.followPeer(member.peerId, session);
      joining = this.holdWhileJoining(member.peerId, room);
      const [status, v, opened, others] = await this.redis.rwJoin(...this.joinArgs(room, member, session, false))
        .catch((err: Error) => this.suspect(err)); // it may run later: the repair takes it out again
      if (status !== 'ok') {
        if (status === 'moved') throw new Error(`session ${member.peerId} belongs to another hub`);
        return { ok: false, code: status as JoinRefusal };
      }
      const peers = others!.map((json) => JSON.parse(json) as PeerInfo);
      this.replicas.snapshot(room, v!, [...peers, member]);
      replica.local.add(member.peerId);
      this.local.get(member.peerId)?.rooms.add(room);
      const admitted = joining;
      joining = undefined; // held until the handler has sent `joined`
      return { ok: true, others: peers, opened: opened === 1, admitted: () => this.releaseHold(member.peerId, admitted) };
    } finally {
      this.joinsInFlight.delete(inFlight);
      if (joining !== undefined) this.releaseHold(member.peerId, joining);
      replica.pending--;
      this.release(room);
    }
  }

  /**
   * From the join script on, a room mate on another hub may talk to the joiner before this hub has its
   * script's answer (that comes on the command connection, the room mate's frames on the subscriber one):
   * what reaches the joiner waits until its `joined` has gone out. Frames to the room reach it from its own
   * join event on (it is a member from then), not before.
   */
  private holdWhileJoining(peerId: string, room: string): Joining {
    const joining: Joining = { room, endpoint: this.endpoints.get(peerId), held: [], hold: { deliver: (frame) => {
      if (joining.held.length < this.options.resumeBufferMaxMessages) joining.held.push(frame);
    } } };
    this.joining.set(peerId, joining);
    this.endpoints.set(peerId, joining.hold);
    return joining;
  }

  private releaseHold(peerId: string, joining: Joining): void {
    if (this.joining.get(peerId) !== joining) return; // detached meanwhile
    this.joining.delete(peerId);
    const endpoint = joining.endpoint;
    if (endpoint === undefined) return;
    if (this.endpoints.get(peerId) === joining.hold) this.endpoints.set(peerId, endpoint);
    for (const frame of joining.held) endpoint.deliver(frame);
  }

  async leave(room: string, peerId: string): Promise<LeaveOutcome | undefined> {
    this.local.get(peerId)?.rooms.delete(room);
    const replica = this.replicas.get(room);
    const member = replica?.members.get(peerId);
    replica?.members.delete(peerId); // its event follows; this hub stops counting the peer at once
    replica?.local.delete(peerId);
    this.release(room);
    this.liveness.ensureUp();
    const outcome = await this.leaveAs(room, peerId, this.hubId);
    if (outcome !== 'moved') return outcome;
    // Another hub took the session over meanwhile (its grace ran out here as it resumed there): it is still
    // a member, which this hub's copy must say again (no event will).
    const copy = this.replicas.get(room);
    if (member !== undefined && copy !== undefined && !copy.members.has(peerId)) copy.members.set(peerId, member);
    return undefined;
  }

  async openRooms(): Promise<string[]> {
    this.liveness.ensureUp();
    return this.redis.smembers(this.names.openRooms);
  }

  isMember(room: string, peerId: string): boolean {
    return this.replicas.get(room)?.members.has(peerId) ?? false;
  }

  members(room: string): PeerInfo[] {
    return [...(this.replicas.get(room)?.members.values() ?? [])];
  }

  memberCount(room: string): number {
    return this.replicas.get(room)?.members.size ?? 0;
  }

  roomNames(): string[] {
    return [...this.replicas.names()];
  }

  attach(peerId: string, endpoint: Endpoint): void {
    // A session taken over from another hub is attached while frames for it may still be on their way
    // through Redis: it gets frames directly only once its sentinel came back (settleIncoming), else a
    // local sender's later frame would overtake its earlier one.
    if (this.incoming.has(peerId)) return;
    this.endpoints.set(peerId, endpoint);
  }

  detach(peerId: string): void {
    this.endpoints.delete(peerId);
    this.joining.delete(peerId);
    this.dropIncoming(peerId);
    const mine = this.local.get(peerId);
    if (mine === undefined) return;
    this.local.delete(peerId);
    for (const room of mine.rooms) {
      this.replicas.get(room)?.local.delete(peerId);
      this.release(room);
    }
    this.sub.unsubscribe(this.names.peerChannel(peerId)).catch(() => {}); // a dead connection has no subscriptions left
    // A session that left its rooms before it ended: nobody calls forgetSession for it, and its record (and
    // resume token) would stay in Redis for good. Harmless for a session another hub took over (not ours).
    if (mine.rooms.size === 0) {
      this.redis.rwForget(this.names.prefix, peerId, this.hubId)
        .catch((err: Error) => this.logger.warn({ peerId, err: err.message }, 'redis: an ended session\'s record stays until the next repair'));
    }
  }

  sendTo(peerId: string, frame: string): boolean {
    const endpoint = this.endpoints.get(peerId);
    if (endpoint !== undefined) {
      endpoint.deliver(frame);
      return true;
    }
    const incoming = this.incoming.get(peerId);
    if (incoming?.adopted !== undefined) {
      incoming.hold(frame); // published now, it would arrive behind direct frames sent after its sentinel
      return true;
    }
    this.publish(this.names.peerChannel(peerId), `F${frame}`);
    return true;
  }

  broadcast(room: string, frame: string, exceptPeerId?: string): void {
    const replica = this.replicas.get(room);
    if (replica !== undefined) this.deliverLocal(replica, frame, exceptPeerId);
    // Sessions taken over here, waiting for their sentinel: this frame would come back after it, and be dropped.
    for (const [peerId, incoming] of this.incoming) {
      if (peerId !== exceptPeerId && incoming.adopted !== undefined && incoming.rooms.has(room)) incoming.hold(frame);
    }
    // No copy: this hub's last member here just left (a peer-left): the others are all elsewhere.
    if (replica === undefined || replica.remote) this.publish(this.names.roomChannel(room), roomFrame(this.hubId, exceptPeerId, frame));
  }

  broadcastLocal(room: string, frame: string, exceptPeerId?: string): void {
    const replica = this.replicas.get(room);
    if (replica !== undefined) this.deliverLocal(replica, frame, exceptPeerId);
  }

  async claimSession(resumeToken: string, received: number, adopt: (handover: SessionHandover) => Endpoint): Promise<boolean> {
    this.liveness.ensureUp();
    // The repair must not take a session claimed for this hub, not yet here, for a ghost (reregister).
    const claim = this.claim(resumeToken, received, adopt);
    this.claims.add(claim);
    try {
      return await claim;
    } finally {
      this.claims.delete(claim);
    }
  }

  private async claim(resumeToken: string, received: number, adopt: (handover: SessionHandover) => Endpoint): Promise<boolean> {
    const newToken = randomBytes(32).toString('base64url');
    const [peerId, previousHub, previousAlive, address, serverPeer, rooms] = await this.redis.rwClaim(
      this.names.prefix, tokenHash(resumeToken), this.hubId, tokenHash(newToken),
    );
    if (peerId === undefined) return false;
    const record: SessionRecord = { resumeToken: newToken, address: address!, serverPeer: serverPeer !== '0', watching: serverPeer === '2' };
    const incoming = new IncomingSession(randomUUID(), new Set(rooms), previousAlive === 1, this.options.resumeBufferMaxMessages);
    this.incoming.set(peerId, incoming);
    // The rooms stay followed (and subscribed) from now until the session leaves them.
    const replicas = rooms!.map((room) => this.follow(room));
    for (const replica of replicas) replica.pending++;
    try {
      await Promise.all(replicas.map((r) => r.subscribed));
      await this.followPeer(peerId, record);
      for (const room of rooms!) this.local.get(peerId)!.rooms.add(room);
      await this.refresh(rooms!.filter((room) => this.replicas.get(room)!.queue !== null));
      let kept: string[] = [];
      if (previousAlive === 1) {
        const answer = new Promise<string[] | null>((resolve) => {
          this.handovers.set(incoming.requestId, resolve);
          setTimeout(() => resolve(null), this.options.handoverTimeoutMs).unref();
        });
        this.publish(this.names.peerChannel(peerId), handoverMarker(incoming.requestId, this.hubId, received));
        kept = (await answer) ?? [];
        if (kept.length === 0) this.logger.info({ peerId, previousHub }, 'handover: the previous hub kept no frames for the session, or did not answer');
      }
      if (this.incoming.get(peerId) !== incoming) throw new Error('the session ended while it was handed over');
      const names = new Map(rooms!.map((room) => [room, this.replicas.get(room)?.members.get(peerId)?.name ?? '']));
      incoming.adopt((collected) => adopt({ ...record, peerId, rooms: names, frames: [...kept, ...collected] }));
      // When this comes back through Redis, nothing sent before it is still on its way: deliver directly.
      const settle = () => this.settleIncoming(peerId, incoming.requestId);
      this.publish(this.names.peerChannel(peerId), `E${incoming.requestId}`, (sent) => sent || settle());
      setTimeout(settle, this.options.handoverTimeoutMs).unref(); // a sentinel lost (Redis trouble): held frames wait no longer
      return true;
    } catch (err) {
      // Redis failed on the way: the session is claimed for this hub, which cannot serve it: end it.
      this.detach(peerId);
      this.reap(peerId, this.hubId).catch((e: Error) => this.logger.warn({ peerId, err: e.message }, 'redis: a half-claimed session waits for the next repair'));
      throw err;
    } finally {
      this.handovers.delete(incoming.requestId);
    }
  }

  /** A session taken over from another hub now gets its frames directly, like any other here. */
  private settleIncoming(peerId: string, requestId: string): void {
    const incoming = this.incoming.get(peerId);
    if (incoming?.adopted === undefined || incoming.requestId !== requestId) return;
    this.incoming.delete(peerId);
    incoming.settle(); // frames from this hub's senders since adoption, before any direct one
    this.endpoints.set(peerId, incoming.adopted);
    for (const room of incoming.rooms) {
      const replica = this.replicas.get(room);
      if (replica === undefined) continue;
      replica.pending--;
      if (this.local.get(peerId)?.rooms.has(room)) replica.local.add(peerId);
      this.release(room);
    }
  }

  /** Forgets a session being taken over (it ended, or the takeover failed). */
  private dropIncoming(peerId: string): void {
    const incoming = this.incoming.get(peerId);
    if (incoming === undefined) return;
    this.incoming.delete(peerId);
    for (const room of incoming.rooms) {
      const replica = this.replicas.get(room);
      if (replica === undefined) continue;
      replica.pending--;
      this.release(room);
    }
  }

  rotateToken(peerId: string, resumeToken: string): void {
    const mine = this.local.get(peerId);
    if (mine === undefined) return;
    mine.record = { ...mine.record, resumeToken };
    this.redis.rwRotate(this.names.prefix, peerId, this.hubId, tokenHash(resumeToken))
      .catch((err: Error) => this.logger.warn({ peerId, err: err.message }, 'redis: resume token not rotated (the old one still resumes on other hubs)'));
  }

  async forgetSession(peerId: string): Promise<void> {
    await this.redis.rwForget(this.names.prefix, peerId, this.hubId).catch((err: Error) => this.suspect(err));
  }

  stats(): BusStats {
    let members = 0;
    for (const [, replica] of this.replicas.all()) members += replica.local.size;
    return { rooms: this.replicas.size, members };
  }

  async close(): Promise<void> {
    if (this.closed || this.redis === undefined) return;
    this.closed = true;
    await this.liveness.close();
    this.ledger?.close(); // its fields go with this hub's key: other hubs stop counting them, the reaper removes them
    this.sub.disconnect();
    this.redis.disconnect();
  }

  // ---- inside ----

  private joinArgs(room: string, member: PeerInfo, session: SessionRecord, force: boolean): (string | number)[] {
    const { options } = this;
    return [
      this.names.prefix, room, member.peerId, JSON.stringify(member), member.role, options.maxPeersPerRoom, options.maxRooms,
      this.hubId, tokenHash(session.resumeToken), session.address, session.watching ? '2' : session.serverPeer ? '1' : '0', force ? '1' : '0',
    ];
  }

  /**
   * A membership or session change failed (or timed out: it may still run): Redis counts as down until a
   * renewal answers, and then this hub writes back what it holds (reregister), so that the change is not lost.
   */
  private suspect(err: Error): never {
    this.liveness.markDown(err.message);
    throw err;
  }

  /** undefined when the peer was not a member; 'moved' when its session belongs to a hub other than ownerHub. */
  private async leaveAs(room: string, peerId: string, ownerHub: string): Promise<LeaveOutcome | 'moved' | undefined> {
    const [member, closed, reoffered] = await this.redis.rwLeave(this.names.prefix, room, peerId, ownerHub, this.hubId)
      .catch((err: Error) => this.suspect(err));
    if (member === undefined || member === 'moved') return member;
    return { member: JSON.parse(member) as PeerInfo, closed: closed === 1, reoffered: reoffered === 1 };
  }

  /** This hub's copy of a room, subscribing to the room's channel when it is new. */
  private follow(room: string): Replica {
    const { replica, fresh } = this.replicas.follow(room);
    if (fresh) replica.subscribed = this.sub.subscribe(this.names.roomChannel(room)).then(() => {});
    return replica;
  }

  private release(room: string): void {
    if (this.replicas.release(room)) {
      this.listener.roomChanged(room); // its topology is no longer this hub's to tell
      this.sub.unsubscribe(this.names.roomChannel(room)).catch(() => {});
    }
  }

  /** Subscribes to a peer's channel (once: at its first room here, or when its session comes here). */
  private async followPeer(peerId: string, record: SessionRecord): Promise<void> {
    const mine = this.local.get(peerId);
    if (mine !== undefined) {
      mine.record = record;
      return;
    }
    this.local.set(peerId, { rooms: new Set(), record });
    await this.sub.subscribe(this.names.peerChannel(peerId));
  }

  /** Reads rooms' members from Redis into their copies (after subscribing, so nothing newer is missed). */
  private async refresh(rooms: string[]): Promise<void> {
    if (rooms.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const room of rooms) pipeline.hgetall(this.names.room(room));
    const results = (await pipeline.exec()) ?? [];
    rooms.forEach((room, i) => {
      const [err, fields] = results[i] ?? [];
      if (err) throw err;
      const hash = fields as Record<string, string>;
      const members = Object.entries(hash).filter(([k]) => !k.startsWith('#')).map(([, json]) => JSON.parse(json) as PeerInfo);
      this.replicas.snapshot(room, Number(hash['#v'] ?? 0), members);
      this.listener.roomChanged(room);
    });
  }

  private deliverLocal(replica: Replica, frame: string, exceptPeerId: string | undefined): void {
    for (const peerId of replica.local) if (peerId !== exceptPeerId) this.endpoints.get(peerId)?.deliver(frame);
  }

  private publish(channel: string, message: string, onDone?: (sent: boolean) => void): void {
    this.corkForTick();
    this.redis.publish(channel, message).then(() => onDone?.(true), (err: Error) => {
      // Lost at the hub level, as on a dead hub: room clients' links resend what is not acknowledged.
      this.logger.warn({ channel, err: err.message }, 'redis publish failed');
      onDone?.(false);
    });
  }

  /**
   * Makes the commands issued in this tick (one socket read of many frames gives many publishes) one write
   * to Redis instead of one each: a write call per PUBLISH took a quarter of a sending hub's CPU (bench
   * cluster, --cpu-prof). The socket keeps the order of everything written to it, scripts included, so
   * the order above holds; a command waits at most until the tick's code has run.
   */
  private corkForTick(): void {
    const stream = this.redis.stream;
    if (this.corked || stream === undefined) return;
    this.corked = true;
    stream.cork();
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  private onMessage(channel: string, message: string): void {
    try {
      this.dispatch(channel, message);
    } catch (err) {
      this.logger.error({ channel, err: (err as Error).message }, 'bad message on a redis channel');
    }
  }

  private dispatch(channel: string, message: string): void {
    const { names } = this;
    const kind = message[0];
    if (channel === names.roomsChannel) {
      const event = readRoomsEvent(message);
      if (event.origin === this.hubId) return; // told here already, by the hub that made the change
      if (event.kind === 'opened') this.listener.roomOpened(event.room);
      else this.listener.roomClosed(event.room);
      return;
    }
    if (kind === 'F') {
      const peerId = channel.slice(names.peerChannel('').length);
      const endpoint = this.endpoints.get(peerId);
      if (endpoint !== undefined) endpoint.deliver(message.slice(1));
      else this.incoming.get(peerId)?.accept(message.slice(1));
      return;
    }
    if (kind === 'B') {
      const room = channel.slice(names.roomChannel('').length);
      const replica = this.replicas.get(room);
      const { origin, except, frame } = readRoomFrame(message);
      // This hub's own frames were delivered here already, except to sessions it is taking over.
      if (replica !== undefined && origin !== this.hubId) this.deliverLocal(replica, frame, except);
      for (const [peerId, incoming] of this.incoming) if (peerId !== except && incoming.rooms.has(room)) incoming.accept(frame);
      return;
    }
    if (kind === 'E') return this.settleIncoming(channel.slice(names.peerChannel('').length), message.slice(1));
    if (kind === 'J' || kind === 'L') {
      const room = channel.slice(names.roomChannel('').length);
      const event = readRoomEvent(message)!;
      // A joiner of this hub is a member from its own join event: the room's frames reach it (held) from here.
      if (event.kind === 'join' && this.joining.get(event.member.peerId)?.room === room) this.replicas.get(room)?.local.add(event.member.peerId);
      if (this.replicas.apply(room, event)) this.listener.roomChanged(room);
      return;
    }
    if (kind === 'H') return this.onHandoverMarker(channel.slice(names.peerChannel('').length), message);
    if (kind === 'R') {
      const { requestId, frames } = readHandoverAnswer(message);
      this.handovers.get(requestId)?.(frames);
    }
  }

  /** Another hub takes over a peer this hub holds: hand over what the client has not confirmed. */
  private onHandoverMarker(peerId: string, message: string): void {
    const { requestId, hub, received } = readHandoverMarker(message);
    if (hub === this.hubId) return void this.incoming.get(peerId)?.marked(); // ours: from here on, frames are ours
    const held = this.endpoints.has(peerId) || this.incoming.get(peerId)?.adopted !== undefined;
    const frames = held ? this.listener.handOver(peerId, received) : null;
    this.detach(peerId); // handOver detached it already if it was here; a copy of its rooms may remain
    this.publish(this.names.hubChannel(hub), handoverAnswer(requestId, frames));
  }

  /**
   * Makes Redis hold what this hub holds again: after an outage (a timed-out command may have run later, or
   * not at all) or after Redis lost its data. This hub's per-address counts are written back, and every
   * membership of a session here (no event when it is there already); memberships Redis has for sessions
   * this hub no longer holds are removed as departures, and, when Redis lost its data, every room copy is
   * read again.
   */
  private async reregister(lostData: boolean): Promise<void> {
    if (lostData) this.replicas.resetVersions();
    else await this.dropLostSessions();
    await this.ledger!.sync();
    for (const [peerId, mine] of this.local) {
      for (const room of mine.rooms) {
        const member = this.replicas.get(room)?.members.get(peerId);
        if (member !== undefined) await this.redis.rwJoin(...this.joinArgs(room, member, mine.record, true));
      }
    }
    await Promise.allSettled([...this.claims]);
    const owned = await this.redis.smembers(this.names.hubSessions(this.hubId));
    for (const peerId of owned) if (!this.local.has(peerId)) await this.reap(peerId, this.hubId);
    await this.dropLeftRooms();
    await this.refresh([...this.replicas.names()]);
  }

  /**
   * Sessions this hub held through an outage that the other hubs ended meanwhile (it was cut off longer than
   * hubTtlMs + resumeGraceMs, and they took it for dead), or that resumed on another hub: they end here too,
   * rather than being written back behind their room mates' backs (who were told they left).
   */
  private async dropLostSessions(): Promise<void> {
    const peers = [...this.local].filter(([, mine]) => mine.rooms.size > 0).map(([peerId]) => peerId);
    if (peers.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const peerId of peers) pipeline.hget(this.names.session(peerId), 'hub');
    const results = (await pipeline.exec()) ?? [];
    for (const [i, peerId] of peers.entries()) {
      const [err, hub] = results[i] ?? [];
      if (err) throw err;
      if (hub === null) this.listener.sessionLost(peerId, 'ended');
      else if (hub !== this.hubId) this.listener.sessionLost(peerId, 'moved');
    }
  }

  /**
   * Takes sessions here out of the rooms Redis still has them in but they left (a leave that failed, or a
   * join that timed out and ran later): else they stayed there as ghosts for good, holding seats and
   * keeping the rooms open, even past the session's end (the reaper reads only the session's record).
   */
  private async dropLeftRooms(): Promise<void> {
    const peers = [...this.local.keys()];
    if (peers.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const peerId of peers) pipeline.hkeys(this.names.session(peerId));
    const results = (await pipeline.exec()) ?? [];
    for (const [i, peerId] of peers.entries()) {
      const [err, fields] = results[i] ?? [];
      if (err) throw err;
      for (const field of fields as string[]) {
        const room = field.slice(2);
        const mine = this.local.get(peerId);
        if (!field.startsWith('r:') || mine === undefined || mine.rooms.has(room) || this.joinsInFlight.has(joinKey(peerId, room))) continue;
        const outcome = await this.leaveAs(room, peerId, this.hubId);
        if (outcome !== undefined && outcome !== 'moved') this.listener.departed(room, outcome);
      }
    }
  }

  /** Takes a session a hub (dead, or this one after an outage) no longer holds out of its rooms, and forgets it. */
  private async reap(peerId: string, ownerHub: string): Promise<void> {
    const session = await this.redis.hgetall(this.names.session(peerId));
    if (session.hub !== undefined && session.hub !== ownerHub) return; // resumed on another hub meanwhile
    for (const field of Object.keys(session)) {
      if (!field.startsWith('r:')) continue;
      const room = field.slice(2);
      const outcome = await this.leaveAs(room, peerId, ownerHub);
      if (outcome !== undefined && outcome !== 'moved') this.listener.departed(room, outcome);
    }
    await this.redis.rwForget(this.names.prefix, peerId, ownerHub);
    await this.redis.srem(this.names.hubSessions(ownerHub), peerId);
  }
}
