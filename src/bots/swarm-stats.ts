/** Counting for the swarm: message stamps, per-sender order and duplicates, percentiles, the report. */

export const STAMP_BYTES = 16;

/** Message layout: sender index u32, sequence u32, send time f64 (ms since the epoch, sub-ms), padding. */
export function stampMessage(size: number, sender: number, seq: number, sentAt: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(STAMP_BYTES, size));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, sender);
  view.setUint32(4, seq);
  view.setFloat64(8, sentAt);
  return bytes;
}

export function readStamp(data: Uint8Array): { sender: number; seq: number; sentAt: number } | undefined {
  if (data.length < STAMP_BYTES) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { sender: view.getUint32(0), seq: view.getUint32(4), sentAt: view.getFloat64(8) };
}

/** A clock comparable across worker threads of one process. */
export const wallClock = () => performance.timeOrigin + performance.now();

/** What one receiver saw from one sender. */
export class SenderTrack {
  private readonly seen = new Set<number>();
  private maxSeq = -1;
  duplicates = 0;
  outOfOrder = 0;

  /** Returns false for a duplicate. */
  receive(seq: number): boolean {
    if (this.seen.has(seq)) {
      this.duplicates++;
      return false;
    }
    this.seen.add(seq);
    if (seq < this.maxSeq) this.outOfOrder++;
    this.maxSeq = Math.max(this.maxSeq, seq);
    return true;
  }

  get count(): number {
    return this.seen.size;
  }
}

export function percentiles(samples: number[]): { p50: number; p95: number; p99: number; n: number } {
  if (samples.length === 0) return { p50: NaN, p95: NaN, p99: NaN, n: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { p50: at(50), p95: at(95), p99: at(99), n: sorted.length };
}

export interface WorkerReport {
  bots: number;
  links: number;
  linksOpen: number;
  openLatencies: number[];
  linkPaths: Record<string, number>;
  sent: number;
  expected: number;
  delivered: number;
  duplicates: number;
  outOfOrder: number;
  deliveryLatencies: number[];
  messagePaths: Record<string, number>;
  failures: string[];
}

export function emptyWorkerReport(failures: string[] = []): WorkerReport {
  return {
    bots: 0, links: 0, linksOpen: 0, openLatencies: [], linkPaths: {}, sent: 0, expected: 0, delivered: 0,
    duplicates: 0, outOfOrder: 0, deliveryLatencies: [], messagePaths: {}, failures,
  };
}

export interface SwarmReport {
  rooms: number;
  peersPerRoom: number;
  bots: number;
  workers: number;
  durationMs: number;
  ratePerBot: number;
  size: number;
  links: { total: number; open: number; paths: Record<string, number>; openLatencyMs: ReturnType<typeof percentiles> };
  messages: {
    sent: number; expected: number; delivered: number; lost: number; duplicates: number; outOfOrder: number;
    paths: Record<string, number>; deliveryLatencyMs: ReturnType<typeof percentiles>;
  };
  failures: string[];
  ok: boolean;
}

export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function formatReport(r: SwarmReport): string {
  const ms = (n: number) => (Number.isNaN(n) ? '-' : `${n.toFixed(n < 10 ? 1 : 0)} ms`);
  const mix = (counts: Record<string, number>) => Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const lat = (p: ReturnType<typeof percentiles>) => `p50 ${ms(p.p50)}, p95 ${ms(p.p95)}, p99 ${ms(p.p99)}`;
  return [
    `swarm: ${r.rooms} rooms x ${r.peersPerRoom} peers = ${r.bots} bots on ${r.workers} worker(s); ${r.durationMs / 1000} s at ${r.ratePerBot}/s of ${r.size} B`,
    `links: ${r.links.open}/${r.links.total} open (${mix(r.links.paths)}); join -> open ${lat(r.links.openLatencyMs)}`,
    `messages: sent ${r.messages.sent}, expected ${r.messages.expected}, delivered ${r.messages.delivered}, lost ${r.messages.lost}, duplicates ${r.messages.duplicates}, out of order ${r.messages.outOfOrder}`,
    `delivery latency: ${lat(r.messages.deliveryLatencyMs)}; by path: ${mix(r.messages.paths)}`,
    `failures: ${r.failures.length === 0 ? 'none' : '\n  ' + r.failures.slice(0, 20).join('\n  ') + (r.failures.length > 20 ? `\n  ... and ${r.failures.length - 20} more` : '')}`,
    r.ok ? 'result: OK (nothing lost or duplicated)' : 'result: FAILED (messages lost or duplicated)',
  ].join('\n');
}
