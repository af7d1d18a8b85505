/**
 * A small seeded pseudo-random generator (sfc32, from PractRand): the same seed gives the same frames, so
 * a run that found something can be replayed. Math.random cannot be seeded; fast-check's generators cost
 * too much per frame for a million of them.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `stream` separates the generators of one run (one per connection) that share a seed. */
  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = (seed ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
    for (let i = 0; i < 15; i++) this.next(); // sfc32's recommended warm-up: early outputs correlate with the seed
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** A whole number in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A length skewed towards short: most frames are small, a few are long. */
  length(max: number): number {
    const r = this.next() / 0x1_0000_0000;
    return Math.floor(r * r * r * (max + 1));
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }

  /** Picks a key of the table with probability proportional to its weight. */
  choose<K extends string>(table: Weights<K>): K {
    const r = (this.next() / 0x1_0000_0000) * table.total;
    const { keys, cumulative } = table;
    for (let i = 0; i < keys.length; i++) if (r < cumulative[i]!) return keys[i]!;
    return keys[keys.length - 1]!;
  }
}

/** Weights summed once, not on every pick (a million picks per run). */
export interface Weights<K extends string> {
  keys: K[];
  cumulative: number[];
  total: number;
}

export function weights<K extends string>(table: Readonly<Record<K, number>>): Weights<K> {
  const keys = Object.keys(table) as K[];
  let total = 0;
  const cumulative = keys.map((k) => (total += table[k]));
  return { keys, cumulative, total };
}
