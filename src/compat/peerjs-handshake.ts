/**
 * What a new PeerJS WebSocket (`/peerjs?key=&id=&token=`) gets, decided from its query and the ids held,
 * in peerjs-server's order (src/services/webSocketServer): a missing parameter, then the key, then the id:
 * held with another token -> ID-TAKEN; held with the same token -> the new socket takes it over, without
 * OPEN and without counting against the limit; free -> the limit, then it is taken and OPEN follows.
 * roomwire adds the id and token rules before the id is looked up.
 */
import type { PeerjsErrorCode } from '../protocol/codes.ts';
import type { PeerjsHolder, PeerjsIds } from './peerjs-ids.ts';
import { PEERJS_TEXTS } from './peerjs-messages.ts';

export type PeerjsHandshake =
  | { kind: 'refuse'; code: PeerjsErrorCode; msg: string }
  | { kind: 'taken' }
  | { kind: 'take-over'; id: string; token: string }
  | { kind: 'open'; id: string; token: string };

export interface PeerjsHandshakeRules {
  peerjsKey: string;
  peerjsMaxTokenLength: number;
  peerjsMaxClients: number;
  idAllowed(id: string): boolean;
}

export function decidePeerjsHandshake(query: URLSearchParams, ids: PeerjsIds<PeerjsHolder>, rules: PeerjsHandshakeRules): PeerjsHandshake {
  // peerjs-server reads the query with Object.fromEntries: a repeated parameter counts with its last value.
  const [id, token, key] = ['id', 'token', 'key'].map((name) => query.getAll(name).at(-1) ?? '') as [string, string, string];
  if (id === '' || token === '' || key === '') return { kind: 'refuse', code: 'missing-parameters', msg: PEERJS_TEXTS.missingParameters };
  if (key !== rules.peerjsKey) return { kind: 'refuse', code: 'invalid-key', msg: PEERJS_TEXTS.invalidKey };
  if (!rules.idAllowed(id)) return { kind: 'refuse', code: 'invalid-id', msg: `Invalid id provided: ${JSON.stringify(id.slice(0, 80))}` };
  if (token.length > rules.peerjsMaxTokenLength) return { kind: 'refuse', code: 'invalid-token', msg: PEERJS_TEXTS.invalidToken };
  const holder = ids.holder(id);
  if (holder !== undefined) return holder.token === token ? { kind: 'take-over', id, token } : { kind: 'taken' };
  if (ids.size >= rules.peerjsMaxClients) return { kind: 'refuse', code: 'concurrent-limit', msg: PEERJS_TEXTS.concurrentLimit };
  return { kind: 'open', id, token };
}
