/**
 * A raw protocol client for tests: a real `ws` socket that keeps every hub message in an inbox, so a test
 * can await the next message of a type, in arrival order, and check what did (not) arrive.
 */
import WebSocket, { type ClientOptions } from 'ws';
import type {
  ErrorCode, HubMessage, HubMessageType, JoinedMessage, WelcomeMessage,
} from '../../src/protocol/index.ts';
import { FrameInbox } from './frame-inbox.ts';

type Of<T extends HubMessageType> = Extract<HubMessage, { type: T }>;

const DEFAULT_WAIT_MS = 5_000;

export class TestClient {
  private readonly box = new FrameInbox<HubMessage>(() => this.ws.readyState === WebSocket.CLOSED);
  readonly inbox: HubMessage[] = this.box.items;
  /** Every message ever received, in order (the inbox loses what next() takes). */
  readonly log: HubMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  welcome!: WelcomeMessage;
  /** Frames received in the session, except `welcome` and `resumed`: what a resume reports. */
  received = 0;
  /** Set by kill(): like a dead network, nothing more arrives. */
  private dead = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (this.dead) return; // ws drains what was buffered when the socket is destroyed; a dead link would not

      if (isBinary) throw new Error('the hub sent a binary frame');
      const message = JSON.parse(data.toString()) as HubMessage;
      if (message.type !== 'welcome' && message.type !== 'resumed') this.received++;
      this.log.push(message);
      this.box.push(message);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.box.wake();
      resolve({ code, reason: reason.toString() });
    }));
    ws.on('error', () => {}); // a refused or cut socket surfaces through `closed`
  }

  /** Connects and waits for the hub's welcome. */
  static async connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const client = new TestClient(new WebSocket(url, options));
    client.welcome = await client.next('welcome');
    return client;
  }

  /**
   * Takes over `previous`'s session on a new connection, as a client does after its socket dropped.
   * Resolves with the new client and the hub's answer (`resumed`, or the error).
   */
  static async resume(url: string, previous: TestClient): Promise<{ client: TestClient; answer: HubMessage }> {
    const client = await TestClient.connect(url);
    client.received = previous.received;
    client.send({ type: 'resume', token: previous.welcome.resumeToken, received: previous.received });
    const answer = await client.take((m): m is HubMessage => m.type === 'resumed' || m.type === 'error', 'resumed or error');
    if (answer.type === 'resumed') client.welcome = { ...client.welcome, peerId: answer.peerId, resumeToken: answer.resumeToken };
    return { client, answer };
  }

  get peerId(): string {
    return this.welcome.peerId;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Takes the first message of `type` from the inbox, waiting for one if needed. */
  async next<T extends HubMessageType>(type: T, timeoutMs = DEFAULT_WAIT_MS): Promise<Of<T>> {
    return this.take((m): m is Of<T> => m.type === type, `a ${type} message`, timeoutMs);
  }

  /** The next error; fails if it is not `code`. */
  async nextError(code: ErrorCode, timeoutMs = DEFAULT_WAIT_MS): Promise<Of<'error'>> {
    const error = await this.next('error', timeoutMs);
    if (error.code !== code) throw new Error(`expected error ${code}, got ${error.code}: ${error.message}`);
    return error;
  }

  async join(room: string, name?: string, extra: Record<string, unknown> = {}): Promise<JoinedMessage> {
    this.send({ type: 'join', room, ...(name === undefined ? {} : { name }), ...extra });
    return this.next('joined');
  }

  take<M extends HubMessage>(match: (m: HubMessage) => m is M, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<M> {
    return this.box.take(match, what, timeoutMs);
  }

  /** Messages of `type` still in the inbox (not taken). */
  pending<T extends HubMessageType>(type: T): Of<T>[] {
    return this.inbox.filter((m): m is Of<T> => m.type === type);
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }

  /** Drops the TCP connection without a close frame, as a dead network would. */
  kill(): Promise<{ code: number; reason: string }> {
    this.dead = true;
    this.ws.terminate();
    return this.closed;
  }
}

type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [T, ...R]>;

/** Connects n clients. */
export function connectMany<N extends number>(url: string, n: N): Promise<Tuple<TestClient, N>> {
  return Promise.all(Array.from({ length: n }, () => TestClient.connect(url))) as Promise<Tuple<TestClient, N>>;
}
