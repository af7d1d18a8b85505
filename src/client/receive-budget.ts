/**
 * One byte budget for what all links of a client hold on the receiving side: messages being reassembled
 * and chunks that arrived ahead of a gap. Each link is bounded on its own (maxMessageBytes, maxEarlyBytes);
 * this bounds their sum (maxReceiveBufferBytes), so that many links - or many hostile peers - together
 * cannot exhaust the memory of the process either.
 *
 * Under pressure the cheapest bytes go first: chunks ahead of a gap (their senders send them again), then
 * the largest partial message (its link is reset). A link never loses its partial message to a smaller one.
 */

/** What the budget asks of a link's receiver. */
export interface BudgetHolder {
  /** Bytes held for chunks ahead of a gap. */
  readonly earlyBytes: number;
  /** Bytes held for the message being reassembled (its buffer's capacity). */
  readonly partialBytes: number;
  /** How much of that message has arrived: who holds the largest message is decided by this. */
  readonly partialLength: number;
  /** Drop every chunk ahead of a gap (the sender resends them). */
  dropEarly(): void;
  /** Drop the message being reassembled and report the reset. */
  resetPartial(): void;
}

export class ReceiveBudget {
  private used = 0;
  private readonly holders = new Set<BudgetHolder>();

  constructor(readonly limitBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  register(holder: BudgetHolder): void {
    this.holders.add(holder);
  }

  /** A link closes: what it still holds must have been released first. */
  unregister(holder: BudgetHolder): void {
    this.holders.delete(holder);
  }

  /** Takes `bytes` if they fit as they are (chunks ahead of a gap never push anything else out). */
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  /**
   * Takes `bytes` more for `requester`'s partial message, which will then be `length` bytes long, making
   * room if needed. False when the requester would hold the largest partial message: then it is the one
   * to reset (nothing was taken).
   */
  makeRoom(bytes: number, requester: BudgetHolder, length: number): boolean {
    // Each round empties one holder's early chunks or partial message: at most two rounds per holder.
    for (let rounds = 2 * this.holders.size + 1; this.used + bytes > this.limitBytes; rounds--) {
      if (rounds === 0) return false;
      const early = this.largest((h) => h.earlyBytes);
      if (early !== undefined) {
        early.dropEarly();
        continue;
      }
      // On a tie the requester is the one to yield.
      const partial = this.largest((h) => (h === requester ? 0 : h.partialLength));
      if (partial === undefined || partial.partialLength <= length) return false;
      partial.resetPartial();
    }
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }

  /** The holder with the most bytes by `measure`, if any holds some. */
  private largest(measure: (h: BudgetHolder) => number): BudgetHolder | undefined {
    let best: BudgetHolder | undefined;
    let most = 0;
    for (const h of this.holders) {
      const n = measure(h);
      if (n > most) {
        most = n;
        best = h;
      }
    }
    return best;
  }
}
