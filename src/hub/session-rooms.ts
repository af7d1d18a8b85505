/**
 * The names of the rooms a session is in: a Set's methods, stored small. Most sessions are in one room,
 * and a Map or Set costs ~180 bytes even for one entry (measured with bench/heap-vs.ts): one room is its
 * name alone, up to INLINE rooms an exact-size array replaced on every change (joins and leaves are rare
 * next to lookups), more a Set (a server peer serving thousands of rooms looks one up per message),
 * which stays a Set when rooms are left (only server peers get there).
 */
const INLINE = 8;

export class SessionRooms {
  private names: string | readonly string[] | Set<string> | undefined = undefined;

  get size(): number {
    const names = this.names;
    if (names === undefined) return 0;
    if (typeof names === 'string') return 1;
    return names instanceof Set ? names.size : names.length;
  }

  has(room: string): boolean {
    const names = this.names;
    if (typeof names === 'string') return names === room;
    if (names === undefined) return false;
    return names instanceof Set ? names.has(room) : names.includes(room);
  }

  add(room: string): this {
    const names = this.names;
    if (this.has(room)) return this;
    if (names === undefined) this.names = room;
    else if (typeof names === 'string') this.names = [names, room];
    else if (names instanceof Set) names.add(room);
    else if (names.length < INLINE) this.names = names.concat(room); // concat allocates the exact length (a push leaves slack)
    else this.names = new Set([...names, room]);
    return this;
  }

  delete(room: string): boolean {
    const names = this.names;
    if (!this.has(room)) return false;
    if (typeof names === 'string') this.names = undefined;
    else if (names instanceof Set) names.delete(room);
    else {
      const rest = names!.filter((name) => name !== room);
      this.names = rest.length === 1 ? rest[0] : rest;
    }
    return true;
  }

  clear(): void {
    this.names = undefined;
  }

  /** The rooms, as they were when the iteration began unless there are more than INLINE (a Set's own order then). */
  *keys(): IterableIterator<string> {
    const names = this.names;
    if (names === undefined) return;
    if (typeof names === 'string') yield names;
    else yield* names;
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }

  /** The first room `test` accepts (no iterator made: signal and relay look up a shared room per message). */
  find(test: (room: string) => boolean): string | undefined {
    const names = this.names;
    if (typeof names === 'string') return test(names) ? names : undefined;
    if (names === undefined) return undefined;
    if (names instanceof Set) {
      for (const room of names) if (test(room)) return room;
      return undefined;
    }
    return names.find(test);
  }
}
