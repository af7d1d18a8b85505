/**
 * A raw PeerJS protocol client for tests: a real `ws` socket to /peerjs that keeps every server frame in
 * order, so a test can await the next of a type, and check what did (not) arrive. Sends what it is told,
 * malformed frames included.
 */
import WebSocket, { type ClientOptions } from 'ws';

export interface PeerjsFrame {
  type: string;
  src?: string;
  dst?: string;
  payload?: any;
  [field: string]: unknown;
}

const DEFAULT_WAIT_MS = 5_000;

export class RawPeerjs {
  readonly log: PeerjsFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves when the socket opened (rejects if the upgrade was refused). */
  readonly opened: Promise<void>;
  private taken = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.log.push(JSON.parse(data.toString()) as PeerjsFrame);
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.wake();
      resolve({ code, reason: reason.toString() });
    }));
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    ws.on('error', () => {}); // a refused or cut socket surfaces through `opened` and `closed`
  }

  /** Opens `/peerjs?<query>` on 127.0.0.1:port; resolves once the socket is open. */
  static async open(port: number, query: Record<string, string>, options: ClientOptions = {}): Promise<RawPeerjs> {
    const client = new RawPeerjs(new WebSocket(`ws://127.0.0.1:${port}/peerjs?${new URLSearchParams(query)}`, options));
    await client.opened;
    return client;
  }

  /** Opens with key `peerjs` and waits for OPEN. */
  static async connect(port: number, id: string, token = `tok-${id}`): Promise<RawPeerjs> {
    const client = await RawPeerjs.open(port, { key: 'peerjs', id, token });
    await client.next('OPEN');
    return client;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next frame not yet taken, if it is of `type` (frames are taken in order). */
  async next(type: string, timeoutMs = DEFAULT_WAIT_MS): Promise<PeerjsFrame> {
    const frame = await this.nextFrame(timeoutMs);
    if (frame.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(frame)}`);
    return frame;
  }

  async nextFrame(timeoutMs = DEFAULT_WAIT_MS): Promise<PeerjsFrame> {
    await this.until(() => this.taken < this.log.length, 'a frame', timeoutMs);
    return this.log[this.taken++]!;
  }

  /** Frames not yet taken. */
  get pending(): PeerjsFrame[] {
    return this.log.slice(this.taken);
  }

  /**
   * A round trip through the server: a CANDIDATE to `selfId` (which this socket holds) comes back. Proves
   * the server handled everything sent before it, even what it answers with silence.
   */
  async sync(selfId: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const mark = `sync-${Math.random()}`;
    this.send({ type: 'CANDIDATE', dst: selfId, payload: { mark } });
    const at = () => this.log.findIndex((f, i) => i >= this.taken && f.type === 'CANDIDATE' && f.payload?.mark === mark);
    await this.until(() => at() !== -1, 'the sync frame back', timeoutMs);
    this.log.splice(at(), 1);
  }

  private async until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${what}; frames: ${JSON.stringify(this.log)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.log).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }

  /** Drops the TCP connection without a close frame. */
  kill(): Promise<{ code: number; reason: string }> {
    this.ws.terminate();
    return this.closed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
