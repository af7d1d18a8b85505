/**
 * A raw y-webrtc signaling client for tests: a real `ws` socket that keeps every frame it receives (parsed
 * JSON) in an inbox, so a test can await the next frame that matches and check what did (not) arrive.
 */
import WebSocket, { type ClientOptions } from 'ws';
import { FrameInbox } from './frame-inbox.ts';

export type YFrame = Record<string, unknown> & { type?: unknown };

const DEFAULT_WAIT_MS = 5_000;

export class YClient {
  private readonly box = new FrameInbox<YFrame>(() => this.ws.readyState === WebSocket.CLOSED);
  /** Frames received and not yet taken by next(). */
  readonly inbox: YFrame[] = this.box.items;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.box.push(JSON.parse(data.toString()) as YFrame));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.box.wake();
      resolve({ code, reason: reason.toString() });
    }));
    ws.on('error', () => {}); // a refused or cut socket surfaces through `closed`
  }

  static async connect(url: string, options: ClientOptions = {}): Promise<YClient> {
    const ws = new WebSocket(url, options);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return new YClient(ws);
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  subscribe(...topics: string[]): void {
    this.send({ type: 'subscribe', topics });
  }

  /**
   * A ping round trip: the server handles one socket's frames in order, so when the pong arrives every
   * frame sent before it has been handled (and every publish it caused has been written).
   */
  async sync(): Promise<void> {
    this.send({ type: 'ping' });
    await this.next((m) => m.type === 'pong', 'pong');
  }

  /** Takes the first frame that matches, waiting for one if needed. */
  next(match: (m: YFrame) => boolean, what = 'a frame', timeoutMs = DEFAULT_WAIT_MS): Promise<YFrame> {
    return this.box.take((m): m is YFrame => match(m), what, timeoutMs);
  }

  nextPublish(topic: string): Promise<YFrame> {
    return this.next((m) => m.type === 'publish' && m.topic === topic, `a publish on ${topic}`);
  }

  /** The next error frame; fails if its code is not `code`. */
  async nextError(code: string): Promise<YFrame> {
    const error = await this.next((m) => m.type === 'error', 'an error');
    if (error.code !== code) throw new Error(`expected error ${code}, got ${String(error.code)}: ${String(error.message)}`);
    return error;
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}
