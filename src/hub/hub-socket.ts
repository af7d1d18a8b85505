/**
 * The hub's WebSocket class (ws's `WebSocketServer({ WebSocket })` option). A socket speaking roomwire's
 * own protocol hands its events straight to its connection, without EventEmitter listeners: four listeners
 * made ws's `_events` object of every socket grow into a larger dictionary (~300 bytes each, measured with
 * bench/heap-vs.ts), and most connections are idle. Sockets without a handler (PeerJS, y-webrtc) and every
 * other event behave as ws documents; `close` is still emitted, first, for ws's own listener (which takes
 * the socket out of `wss.clients`, the heartbeat's list) and anyone waiting on it (drain).
 */
import WebSocket, { type RawData } from 'ws';

export interface SocketHandler {
  onFrame(data: RawData, isBinary: boolean): void;
  onPong(): void;
  onClose(code: number): void;
  /** ws reports a protocol error or a failed write here, then closes the socket. */
  onError(err: Error): void;
}

export class HubSocket extends WebSocket {
  handler: SocketHandler | undefined = undefined;

  // ws emits every event through emit(): the handler's cases are answered here.
  override emit(event: string | symbol, ...args: any[]): boolean {
    const handler = this.handler;
    if (handler !== undefined) {
      switch (event) {
        case 'message':
          handler.onFrame(args[0] as RawData, args[1] as boolean);
          return true;
        case 'pong':
          handler.onPong();
          return true;
        case 'error':
          handler.onError(args[0] as Error);
          return true;
        case 'close': {
          // ws's own listener first, as before: it takes the socket out of wss.clients (the heartbeat's list).
          const heard = super.emit(event, ...args);
          handler.onClose(args[0] as number);
          return heard;
        }
      }
    }
    return super.emit(event, ...args);
  }

  /**
   * Gives back what ws's receiver holds for an idle socket. The array a socket's incoming chunks pass
   * through keeps the capacity it grew to at the first frame (~150 bytes, measured with bench/heap-vs.ts)
   * for as long as the socket lives, and every roomwire client sends at least a join (and pongs). Called
   * once a frame is done (a heartbeat pong), it swaps an empty array for a new one, and does nothing unless
   * ws's internals are as test/integration/hub-socket.test.ts pins them.
   */
  releaseIdleBuffers(): void {
    const receiver = (this as unknown as { _receiver?: { _buffers?: unknown } })._receiver;
    if (receiver !== undefined && Array.isArray(receiver._buffers) && receiver._buffers.length === 0) receiver._buffers = [];
  }
}
