/**
 * The frames sent to a session that the client has not yet confirmed, numbered 1, 2, 3 ... A WebSocket
 * pong confirms everything written before its ping (TCP keeps order, and a client answers a ping only
 * after the frames ahead of it), so the heartbeat trims the buffer; a resume replays what follows the
 * count of frames the client says it received. Bounded in frames and characters: when a connected
 * session overflows, the oldest frames are dropped, and a resume that would need them fails loudly.
 */
export class ReplayBuffer {
  private frames: (string | undefined)[] = [];
  /** Index in `frames` of the oldest frame kept. */
  private head = 0;
  /** Sequence number of frames[head]: the first frame not yet confirmed. */
  private firstSeq = 1;
  private chars = 0;

  constructor(
    private readonly maxFrames: number,
    private readonly maxChars: number,
    /** Frames already numbered elsewhere: a session taken over from another hub goes on from its client's count. */
    lastSeq = 0,
  ) {
    this.firstSeq = lastSeq + 1;
  }

  get length(): number {
    return this.frames.length - this.head;
  }

  /** Sequence number of the newest frame (0 before any). */
  get lastSeq(): number {
    return this.firstSeq + this.length - 1;
  }

  /** Whether one more frame fits without dropping an unconfirmed one. */
  fits(frame: string): boolean {
    return this.length < this.maxFrames && this.chars + frame.length <= this.maxChars;
  }

  push(frame: string): void {
    this.frames.push(frame);
    this.chars += frame.length;
    while (this.length > this.maxFrames || this.chars > this.maxChars) this.dropOldest();
  }

  /** The client has every frame up to and including `seq`. */
  confirmThrough(seq: number): void {
    while (this.length > 0 && this.firstSeq <= seq) this.dropOldest();
  }

  /**
   * The frames after the first `received`, oldest first; null when they cannot all be given (some were
   * dropped, or the client claims more than was sent).
   */
  after(received: number): string[] | null {
    if (received > this.lastSeq || received + 1 < this.firstSeq) return null;
    return this.frames.slice(this.head + (received + 1 - this.firstSeq)) as string[];
  }

  private dropOldest(): void {
    this.chars -= this.frames[this.head]!.length;
    this.frames[this.head] = undefined;
    this.head++;
    this.firstSeq++;
    // Compact now and then, so that dropping stays O(1) amortized and memory is returned.
    if (this.head >= 64 && this.head * 2 >= this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }
}
