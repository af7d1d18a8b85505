/**
 * One fuzz connection: sends its quota of generated frames as fast as the hub takes them, reads and
 * counts every reply, learns peer ids and tokens for the protocol moves, and when the hub closes it
 * (1009, 1007, 4001, 4008 ...) opens a new connection and carries on, sometimes resuming the old session.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { parseHubMessage, type HubMessage } from '../../src/protocol/index.ts';
import { ENDS_CONNECTION, nextAction, type FuzzAction } from './frames.ts';
import type { FuzzWorld, SessionView } from './moves.ts';
import { Rng } from './rng.ts';
import type { FuzzTally } from './tally.ts';

/** Frames sent in one go before the event loop gets a turn to read replies (the hub cuts off slow readers). */
const BATCH = 32;
/** Above this many bytes queued in our socket, wait: the hub reads no faster than it can parse. */
const HIGH_WATER_BYTES = 1024 * 1024;
const CONNECT_TIMEOUT_MS = 5_000;
const RETRY_AFTER_REFUSAL_MS = 50;
/** How long the hub gets to close a connection it must close (invalid UTF-8: 1007, above hardMaxFrameBytes: 1009). */
const CLOSE_WAIT_MS = 10_000;

export interface FuzzConnectionOptions {
  url: string;
  index: number;
  seed: number;
  /** Source address of the connection's sockets (the 127.0.0.0/8 range is all loopback). */
  localAddress: string;
  world: FuzzWorld;
  tally: FuzzTally;
  /** True once the run must end early (the hub died, or the deadline passed). */
  stopped: () => boolean;
}

export class FuzzConnection {
  private readonly rng: Rng;
  private readonly self: SessionView = { peerId: '', rooms: new Set(), previous: undefined };
  private token = '';
  /** Frames of the current session, but `welcome` and `resumed`: what a resume reports. */
  private received = 0;
  /** The `received` of the last resume sent: the count to continue from if `resumed` answers it. */
  private resumedFrom = 0;
  /** Set when we close the current socket ourselves: its close is not the hub's doing. */
  private closingByUs = false;

  constructor(private readonly o: FuzzConnectionOptions) {
    this.rng = new Rng(o.seed, o.index);
  }

  /** Sends `quota` frames (fewer if stopped), reconnecting as often as the hub closes the socket. */
  async run(quota: number): Promise<void> {
    let sent = 0;
    while (sent < quota && !this.o.stopped()) {
      const ws = await this.open();
      if (ws === undefined) {
        await sleep(RETRY_AFTER_REFUSAL_MS);
        continue;
      }
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      if (this.self.previous !== undefined && this.rng.chance(0.5)) {
        sent += this.send(ws, 'protocol', JSON.stringify({ type: 'resume', ...this.self.previous }), false);
        this.resumedFrom = this.self.previous.received;
      }
      // Frames sent after one that ends the connection would be thrown away by the hub, unread: stop and wait.
      let ending: string | undefined;
      const sending = () => sent < quota && !ending && ws.readyState === WebSocket.OPEN && !this.o.stopped();
      while (sending()) {
        for (let i = 0; i < BATCH && sending(); i++) {
          const action = nextAction({ rng: this.rng, world: this.o.world, self: this.self });
          sent += this.act(ws, action, quota - sent);
          if (ENDS_CONNECTION.has(action.kind)) ending = action.kind;
        }
        await nextTurn();
        while (ws.bufferedAmount > HIGH_WATER_BYTES && ws.readyState === WebSocket.OPEN && !this.o.stopped()) await sleep(1);
      }
      await this.end(ws, closed, ending);
    }
  }

  /** Waits for the socket to close: the hub's close after a frame that ends the connection, or ours. */
  private async end(ws: WebSocket, closed: Promise<void>, endedBy: string | undefined): Promise<void> {
    const hubWillClose = endedBy !== undefined;
    ws.resume(); // a stalled reader would not see the close frame
    if (this.o.stopped()) {
      this.closingByUs = true;
      ws.terminate(); // a hub that hangs would never answer a close
    } else if (ws.readyState === WebSocket.OPEN && !hubWillClose) {
      this.closingByUs = true;
      ws.close(1000, 'fuzz done');
    }
    const timer = setTimeout(() => {
      if (hubWillClose) {
        this.o.tally.violation(`the hub left a connection open ${CLOSE_WAIT_MS} ms after ${endedBy} ` +
          `(connection ${this.o.index}, readyState ${ws.readyState}, ${ws.bufferedAmount} bytes unsent, ${this.closingByUs ? 'we' : 'nobody'} closed it)`);
      }
      this.closingByUs = true;
      ws.terminate();
    }, CLOSE_WAIT_MS);
    await closed;
    clearTimeout(timer);
  }

  /** Returns the number of frames it put on the wire (at most `budget`). */
  private act(ws: WebSocket, action: FuzzAction, budget: number): number {
    const { tally } = this.o;
    switch (action.kind) {
      case 'ping':
      case 'pong':
        ws[action.kind](action.data);
        tally.kinds.add(action.kind);
        tally.framesSent++;
        tally.bytesSent += action.data.length;
        return 1;
      case 'drop':
        this.closingByUs = true;
        if (action.terminate) ws.terminate();
        else ws.close(action.code, 'fuzz');
        tally.dropsByUs.add(action.terminate ? 'terminate' : action.code);
        if (action.terminate) return 0;
        tally.framesSent++; // a close frame
        return 1;
      case 'flood': {
        const count = Math.min(action.count, budget);
        for (let i = 0; i < count; i++) this.send(ws, action.kind, action.data, false);
        return count;
      }
      case 'fragmented': {
        action.parts.forEach((part, i) => ws.send(part, { binary: action.binary, fin: i === action.parts.length - 1 }));
        tally.kinds.add(action.kind);
        tally.framesSent += action.parts.length; // WebSocket frames, not messages
        tally.bytesSent += action.parts.reduce((sum, p) => sum + p.length, 0);
        tally.recent.push({ connection: this.o.index, kind: action.kind, binary: action.binary, data: Buffer.concat(action.parts) });
        return action.parts.length;
      }
      case 'stall':
        ws.pause();
        setTimeout(() => ws.resume(), action.ms);
        tally.kinds.add('stall');
        return 0;
      default:
        return this.send(ws, action.kind, action.data, action.binary);
    }
  }

  private send(ws: WebSocket, kind: string, data: string | Buffer, binary: boolean): number {
    const { tally } = this.o;
    ws.send(data, { binary });
    tally.kinds.add(kind);
    tally.framesSent++;
    tally.bytesSent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    tally.recent.push({ connection: this.o.index, kind, binary, data });
    return 1;
  }

  /** A new socket, open and welcomed, or undefined when the hub refused it. */
  private async open(): Promise<WebSocket | undefined> {
    const { tally } = this.o;
    const ws = new WebSocket(this.o.url, { localAddress: this.o.localAddress, handshakeTimeout: CONNECT_TIMEOUT_MS });
    this.closingByUs = false;
    let state: 'connecting' | 'open' | 'refused' = 'connecting';
    const welcomed = new Promise<boolean>((resolve) => {
      const refuse = (why: string) => {
        if (state !== 'connecting') return;
        state = 'refused';
        tally.refused.add(why);
        ws.terminate();
        resolve(false);
      };
      ws.once('unexpected-response', (_req, res) => refuse(`http ${res.statusCode}`));
      ws.on('error', (err: NodeJS.ErrnoException) => refuse(err.code ?? err.message));
      ws.on('message', (data, isBinary) => {
        if (state === 'connecting') {
          state = 'open';
          resolve(true);
        }
        this.onMessage(data, isBinary);
      });
      ws.once('close', (code) => {
        if (state === 'open') this.onClose(code);
        else refuse(`closed ${code} before welcome`);
      });
    });
    if (!(await welcomed)) return undefined;
    tally.connects++;
    return ws;
  }

  private onClose(code: number): void {
    if (!this.closingByUs) this.o.tally.closes.add(code);
    // The session waits in its resume grace if it was in a room: the next connection may take it back.
    this.self.previous = this.token === '' ? undefined : { token: this.token, received: this.received };
    this.self.rooms.clear();
    this.token = '';
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const { tally, world } = this.o;
    if (isBinary) return tally.violation('the hub sent a binary frame');
    const text = data.toString();
    const m: HubMessage | null = parseHubMessage(text);
    if (m === null) return tally.violation(`the hub sent a frame that is no hub message: ${text.slice(0, 200)}`);
    tally.replies.add(m.type);
    if (m.type !== 'welcome' && m.type !== 'resumed') this.received++;
    switch (m.type) {
      case 'welcome':
        this.self.peerId = m.peerId;
        this.token = m.resumeToken;
        this.received = 0;
        world.tokens.add(m.resumeToken);
        world.peers.add(m.peerId);
        break;
      case 'resumed':
        this.self.peerId = m.peerId;
        this.token = m.resumeToken;
        this.received = this.resumedFrom;
        for (const r of m.rooms) this.self.rooms.add(r.room);
        world.tokens.add(m.resumeToken);
        break;
      case 'joined':
        this.self.rooms.add(m.room);
        for (const p of m.peers) world.peers.add(p.peerId);
        break;
      case 'left':
        this.self.rooms.delete(m.room);
        break;
      case 'peer-joined':
        world.peers.add(m.peerId);
        break;
      case 'error':
        tally.errors.add(m.code);
        break;
      default:
        break;
    }
  }
}
