/**
 * The rooms a server peer is in, brought in line with the rooms it should be in (the hub's open rooms),
 * with one join or leave on its way per room at a time.
 *
 * Why not just join on room-opened and leave on room-closed: the hub's events overtake our requests. A
 * room can close while our join for it is in flight (the join then lands in a room nobody is in, and no
 * room-closed follows to take us out), or open again while our leave is in flight. So an event only
 * records the wish, at once; the room's one worker compares wish and state after every step it takes,
 * and the last word wins.
 */

export interface RoomActions<S> {
  /** Joins the room; undefined when that failed (the caller has said why). */
  join(name: string): Promise<S | undefined>;
  leave(name: string, state: S): Promise<void>;
}

export class ServedRooms<S> {
  private readonly wanted = new Set<string>();
  private readonly served = new Map<string, S>();
  /** Rooms with a join or leave on its way, and the worker that carries it. */
  private readonly busy = new Map<string, Promise<void>>();
  /** Rooms whose wish was restated while their worker was busy: a failed join is worth one more try. */
  private readonly restated = new Set<string>();
  private closed = false;

  constructor(private readonly actions: RoomActions<S>) {}

  /** Rooms joined now. */
  names(): string[] {
    return [...this.served.keys()];
  }

  entries(): [string, S][] {
    return [...this.served];
  }

  want(name: string): void {
    this.wanted.add(name);
    this.settle(name);
  }

  unwant(name: string): void {
    this.wanted.delete(name);
    this.settle(name);
  }

  /**
   * Wants exactly `names` (what the hub says is open), except rooms in `keep`, whose wish was set by an
   * event that came after that answer and is newer.
   */
  wantOnly(names: Iterable<string>, keep: ReadonlySet<string> = new Set()): void {
    const open = new Set(names);
    const touched = new Set([...open, ...this.wanted, ...this.served.keys()]);
    for (const name of touched) {
      if (keep.has(name)) continue;
      if (open.has(name)) this.wanted.add(name);
      else this.wanted.delete(name);
      this.settle(name);
    }
  }

  /**
   * Drops a room without leaving it: the session it was joined through is gone (the hub forgot us). Takes
   * no step: the caller states the wishes next (wantOnly or want).
   */
  forget(name: string): void {
    this.served.delete(name);
  }

  /** Takes over a room joined by other means; false when another state already holds that name. */
  adopt(name: string, state: S): boolean {
    if (this.served.has(name)) return false;
    this.served.set(name, state);
    this.settle(name);
    return true;
  }

  /** Resolves when no join or leave is on its way. */
  async idle(): Promise<void> {
    while (this.busy.size > 0) await Promise.all(this.busy.values());
  }

  /** Takes no more steps (joins already sent land, and are not undone). */
  close(): void {
    this.closed = true;
  }

  private settle(name: string): void {
    if (this.busy.has(name)) {
      this.restated.add(name);
      return;
    }
    const worker = this.work(name).finally(() => {
      this.busy.delete(name);
      // A wish restated after the worker's last look (it ends a microtask after its last step).
      if (this.restated.delete(name) && !this.closed) this.settle(name);
    });
    this.busy.set(name, worker);
  }

  private async work(name: string): Promise<void> {
    // Bounded: every pass either reaches the wish or fails; a failed join repeats only if restated meanwhile.
    while (!this.closed) {
      const want = this.wanted.has(name);
      const state = this.served.get(name);
      if (want === (state !== undefined)) return;
      this.restated.delete(name);
      if (state !== undefined) {
        this.served.delete(name);
        await this.actions.leave(name, state);
        continue;
      }
      const joined = await this.actions.join(name);
      if (joined !== undefined) this.served.set(name, joined);
      else if (!this.restated.has(name)) return;
    }
  }
}
