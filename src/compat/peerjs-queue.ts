/**
 * Messages for PeerJS ids that are not connected (peerjs-server's MessageQueue and MessagesExpire): kept
 * until the id connects (then delivered in order) or until expireTimeoutMs after the first of them was
 * queued, when each sender is told once with EXPIRE. peerjs-server keeps any number; here one id's queue,
 * all queues together, and their bytes are bounded, and a message that does not fit is refused so its
 * sender can be told at once.
 */

export interface PeerjsQueueLimits {
  peerjsExpireTimeoutMs: number;
  peerjsQueuePerPeer: number;
  peerjsQueueMaxMessages: number;
  peerjsQueueMaxBytes: number;
}

interface Waiting {
  /** Senders, for EXPIRE. */
  srcs: string[];
  frames: string[];
  bytes: number;
  timer: NodeJS.Timeout;
}

export class PeerjsQueue {
  private readonly waiting = new Map<string, Waiting>();
  private messages = 0;
  /** UTF-16 units of the queued frames (what their strings hold, roughly). */
  private bytes = 0;

  constructor(
    private readonly limits: PeerjsQueueLimits,
    /** Messages `src` sent to `dst` expired; called once per sender and destination, like peerjs-server. */
    private readonly onExpire: (src: string, dst: string) => void,
  ) {}

  get size(): number {
    return this.messages;
  }

  /** Queues `frame` (from `src`) for `dst`; false, and nothing queued, when a limit is reached. */
  add(dst: string, src: string, frame: string): boolean {
    const { limits } = this;
    if (this.messages >= limits.peerjsQueueMaxMessages || this.bytes + frame.length > limits.peerjsQueueMaxBytes) return false;
    let queue = this.waiting.get(dst);
    if (queue === undefined) {
      // peerjs-server's clock for a queue starts when it is made, not with each message: all expire together.
      const timer = setTimeout(() => this.expire(dst), limits.peerjsExpireTimeoutMs);
      timer.unref();
      queue = { srcs: [], frames: [], bytes: 0, timer };
      this.waiting.set(dst, queue);
    } else if (queue.frames.length >= limits.peerjsQueuePerPeer) {
      return false;
    }
    queue.srcs.push(src);
    queue.frames.push(frame);
    queue.bytes += frame.length;
    this.messages++;
    this.bytes += frame.length;
    return true;
  }

  /** The frames waiting for `dst`, in order; they are no longer queued. */
  take(dst: string): string[] {
    const queue = this.remove(dst);
    return queue === undefined ? [] : queue.frames;
  }

  close(): void {
    for (const dst of [...this.waiting.keys()]) this.remove(dst);
  }

  private expire(dst: string): void {
    const queue = this.remove(dst);
    if (queue === undefined) return;
    for (const src of new Set(queue.srcs)) this.onExpire(src, dst);
  }

  private remove(dst: string): Waiting | undefined {
    const queue = this.waiting.get(dst);
    if (queue === undefined) return undefined;
    clearTimeout(queue.timer);
    this.waiting.delete(dst);
    this.messages -= queue.frames.length;
    this.bytes -= queue.bytes;
    return queue;
  }
}
