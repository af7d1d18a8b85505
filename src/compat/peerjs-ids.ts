/**
 * Who holds which PeerJS id, and with which token (peerjs-server's Realm clients). Behind a small
 * interface: today one hub's memory; a store shared by several hubs (Redis) can take its place, so that an
 * id held on one hub is held on all. Ids are chosen by clients, so what they may choose is checked here.
 */
import { randomUUID } from 'node:crypto';

export interface PeerjsHolder {
  /** The secret the id was taken with: the same token takes the id over, another gets ID-TAKEN. */
  readonly token: string;
}

export interface PeerjsIds<H extends PeerjsHolder> {
  readonly size: number;
  holder(id: string): H | undefined;
  /** `id` is held by `holder` from now on (taken, or taken over with the same token). */
  hold(id: string, holder: H): void;
  /** Frees `id` if `holder` still holds it (a holder replaced by a takeover frees nothing). */
  release(id: string, holder: H): boolean;
  ids(): string[];
}

export class MemoryPeerjsIds<H extends PeerjsHolder> implements PeerjsIds<H> {
  private readonly holders = new Map<string, H>();

  get size(): number {
    return this.holders.size;
  }

  holder(id: string): H | undefined {
    return this.holders.get(id);
  }

  hold(id: string, holder: H): void {
    this.holders.set(id, holder);
  }

  release(id: string, holder: H): boolean {
    if (this.holders.get(id) !== holder) return false;
    return this.holders.delete(id);
  }

  ids(): string[] {
    return [...this.holders.keys()];
  }
}

/** A random id nobody holds (GET /<key>/id), as peerjs-server makes them: a v4 uuid. */
export function freshPeerjsId(ids: PeerjsIds<PeerjsHolder>): string {
  let id = randomUUID();
  while (ids.holder(id) !== undefined) id = randomUUID();
  return id;
}

export interface PeerjsIdRules {
  peerjsMaxIdLength: number;
  peerjsIdPattern: string;
}

/** The check an id a client chose must pass: its length first, so the pattern never sees a long string. */
export function createIdCheck(rules: PeerjsIdRules): (id: string) => boolean {
  const pattern = new RegExp(rules.peerjsIdPattern, 'u');
  return (id) => id.length <= rules.peerjsMaxIdLength && pattern.test(id);
}
