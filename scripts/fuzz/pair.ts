/**
 * The well-behaved pair: two raw protocol clients in the room the fuzz connections spam, whispering
 * numbered `relay`s to each other throughout. At the end each must have every number of the other
 * exactly once and in order, its socket must never have been closed, and none of its own messages may
 * have drawn an error. Lean on purpose: under fuzz load it receives hundreds of thousands of broadcasts,
 * which it counts and drops (a test client that keeps an inbox would grow without bound).
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { parseHubMessage } from '../../src/protocol/index.ts';

/** Bounds every wait of the pair; the last numbers may queue behind a backlog of fuzz frames on a busy machine. */
const WAIT_MS = 30_000;

/** One direction of the pair: what the sender sent, what the receiver got, and what went wrong at the receiver. */
export interface PairSide {
  /** Numbers the sender sent. */
  sent: number;
  /** Numbers it got from the other, in order (the next one expected). */
  inOrder: number;
  duplicates: number;
  /** Numbers that came early (a gap) or late (after a gap): either means something was lost or reordered. */
  outOfOrder: number;
  /** Other frames it received meanwhile (the fuzzers' broadcasts, signals, peer-joined ...). */
  noise: number;
  problems: string[];
}

class PairEnd {
  readonly side: PairSide = { sent: 0, inOrder: 0, duplicates: 0, outOfOrder: 0, noise: 0, problems: [] };
  peerId = '';
  partnerId = '';
  private joined = false;
  private ending = false;

  constructor(readonly ws: WebSocket, readonly name: string) {
    ws.on('message', (data, isBinary) => this.onMessage(data.toString(), isBinary));
    ws.on('close', (code) => { if (!this.ending) this.problem(`socket closed with ${code}`); });
    ws.on('error', (err) => this.problem(`socket error ${err.message}`));
  }

  static async connect(url: string, name: string, room: string): Promise<PairEnd> {
    const ws = new WebSocket(url, { handshakeTimeout: WAIT_MS });
    const end = new PairEnd(ws, name);
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'join', room, name, id: 'pair-join' }));
    await end.until(() => end.peerId !== '' && end.joined, 'joined');
    return end;
  }

  private problem(text: string): void {
    if (this.side.problems.length < 20) this.side.problems.push(`${this.name}: ${text}`);
  }

  private onMessage(text: string, isBinary: boolean): void {
    const m = isBinary ? null : parseHubMessage(text);
    if (m === null) return this.problem(`not a hub message: ${text.slice(0, 200)}`);
    if (m.type === 'welcome') this.peerId = m.peerId;
    else if (m.type === 'joined' && m.ref === 'pair-join') this.joined = true;
    else if (m.type === 'error') this.problem(`error ${m.code}: ${m.message}`);
    else if (m.type === 'relay' && m.from === this.partnerId && this.partnerId !== '') this.onNumber(m.data);
    else this.side.noise++;
  }

  private onNumber(data: unknown): void {
    const n = (data as { pair?: unknown } | null)?.pair;
    if (typeof n !== 'number') return this.problem(`partner sent ${JSON.stringify(data).slice(0, 100)}`);
    if (n === this.side.inOrder) this.side.inOrder++;
    else if (n < this.side.inOrder) this.side.duplicates++;
    else this.side.outOfOrder++;
  }

  /** One numbered whisper to the partner; every other one also names the room. */
  whisper(room: string): void {
    const n = this.side.sent++;
    const message = n % 2 === 0 ? { type: 'relay', to: this.partnerId, data: { pair: n } } : { type: 'relay', to: this.partnerId, room, data: { pair: n } };
    this.ws.send(JSON.stringify(message));
  }

  async until(done: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline || this.ws.readyState !== WebSocket.OPEN) {
        this.problem(`gave up waiting for ${what}`);
        return false;
      }
      await sleep(10);
    }
    return true;
  }

  async close(): Promise<void> {
    this.ending = true;
    if (this.ws.readyState === WebSocket.OPEN) {
      const closed = once(this.ws, 'close');
      this.ws.close(1000);
      await closed;
    }
  }
}

export interface PairResult {
  aToB: PairSide;
  bToA: PairSide;
  /** Nothing lost, duplicated or reordered, no error, no close. */
  ok: boolean;
}

export class Pair {
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly a: PairEnd, private readonly b: PairEnd, private readonly room: string) {}

  static async start(url: string, room: string): Promise<Pair> {
    const a = await PairEnd.connect(url, 'pair-a', room);
    const b = await PairEnd.connect(url, 'pair-b', room);
    a.partnerId = b.peerId;
    b.partnerId = a.peerId;
    return new Pair(a, b, room);
  }

  /** Whispers `perTick` numbers each way every `everyMs` until finish(). */
  talk(perTick: number, everyMs: number): void {
    this.timer = setInterval(() => {
      for (let i = 0; i < perTick; i++) {
        if (this.a.ws.readyState === WebSocket.OPEN) this.a.whisper(this.room);
        if (this.b.ws.readyState === WebSocket.OPEN) this.b.whisper(this.room);
      }
    }, everyMs);
  }

  /** When the hub is gone or stuck: stop talking and drop both sockets. */
  abort(): void {
    clearInterval(this.timer);
    this.a.ws.terminate();
    this.b.ws.terminate();
  }

  /** Stops talking, waits for what is on its way, closes both, and says what arrived. */
  async finish(): Promise<PairResult> {
    clearInterval(this.timer);
    const { a, b } = this;
    await a.until(() => a.side.inOrder + a.side.outOfOrder + a.side.duplicates >= b.side.sent, 'the last numbers from pair-b');
    await b.until(() => b.side.inOrder + b.side.outOfOrder + b.side.duplicates >= a.side.sent, 'the last numbers from pair-a');
    await Promise.all([a.close(), b.close()]);
    // A's side counts what B sent to A; report by direction.
    const aToB = { ...b.side, sent: a.side.sent };
    const bToA = { ...a.side, sent: b.side.sent };
    const clean = (s: PairSide) => s.inOrder === s.sent && s.duplicates === 0 && s.outOfOrder === 0 && s.problems.length === 0;
    return { aToB, bToA, ok: clean(aToB) && clean(bToA) };
  }
}
