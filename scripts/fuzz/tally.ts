/** What the fuzz connections saw, all together, and the last frames they sent (for a crash report). */

export class Counter {
  readonly counts = new Map<string, number>();

  add(key: string | number, n = 1): void {
    const k = String(key);
    this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }

  get(key: string | number): number {
    return this.counts.get(String(key)) ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** Largest first. */
  toObject(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort((a, b) => b[1] - a[1]));
  }
}

export interface SentFrame {
  connection: number;
  kind: string;
  binary: boolean;
  data: string | Buffer;
}

/** Keeps references to the last `capacity` frames sent: cheap, and enough to replay the moments before a crash. */
export class RecentFrames {
  private readonly frames: (SentFrame | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.frames = new Array(capacity);
  }

  push(frame: SentFrame): void {
    this.frames[this.next++ % this.capacity] = frame;
  }

  /** Oldest first, one JSON line each; binary and non-UTF-8 frames in base64. */
  toJsonLines(): string {
    const out: string[] = [];
    for (let i = Math.max(0, this.next - this.capacity); i < this.next; i++) {
      const f = this.frames[i % this.capacity]!;
      const data = typeof f.data === 'string' ? { text: f.data } : { base64: f.data.toString('base64') };
      out.push(JSON.stringify({ connection: f.connection, kind: f.kind, binary: f.binary, ...data }));
    }
    return out.join('\n') + '\n';
  }
}

/** Everything the fuzz connections count, shared by all of them. */
export class FuzzTally {
  framesSent = 0;
  bytesSent = 0;
  /** Connections opened, the first of each fuzz connection included. */
  connects = 0;
  readonly kinds = new Counter();
  /** Close codes of closes the hub made (or the network: 1006); our own disconnects are in `dropsByUs`. */
  readonly closes = new Counter();
  readonly dropsByUs = new Counter();
  /** `error` replies by code. */
  readonly errors = new Counter();
  /** Every hub message by type. */
  readonly replies = new Counter();
  /** Connection attempts the hub refused, by HTTP status or socket error code. */
  readonly refused = new Counter();
  /** What a hub must never send: binary frames, text that is not JSON, messages of no known type. */
  readonly violations: string[] = [];
  readonly recent = new RecentFrames(512);

  violation(text: string): void {
    if (this.violations.length < 100) this.violations.push(text);
  }
}
