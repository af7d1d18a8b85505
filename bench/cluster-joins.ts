/**
 * Joins per second: `clients` sockets, already open and welcomed, spread over the hubs (client i on hub
 * i mod hubs) and over several source addresses (127.0.0.2, .3, ...), all send `join` at once, into rooms
 * of `roomSize` (so with two hubs every room has members on both). Measured from the first join sent to
 * the last `joined` received, and to the moment every client knows all its room mates (from `joined.peers`
 * and `peer-joined`): the cluster has converged.
 */
import type WebSocket from 'ws';
import { closeClients, openClient, type BenchClient } from './cluster-clients.ts';
import type { HubChild } from './cluster-children.ts';
import { settled } from './cluster-children.ts';

/** Source addresses the clients are spread over (127.0.0.2 ... ), as clients behind several addresses. */
const SOURCE_ADDRESSES = 8;
/** Sockets opened at once while setting up (not measured). */
const OPEN_BATCH = 100;

export interface JoinRound {
  /** joined replies per second */
  joinsPerSecond: number;
  /** ms from the first join sent until every client knew every room mate; undefined when some never did */
  convergedMs: number | undefined;
  /** clients that had not heard of every room mate `announceGraceMs` after the last `joined` (a lost peer-joined) */
  unannounced: number;
}

interface Tracker {
  onJoined(): void;
  onConverged(): void;
  fail(err: Error): void;
}

function track(ws: WebSocket, roomSize: number, tracker: Tracker): void {
  const mates = new Set<string>();
  let converged = false;
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as { type: string; peerId?: string; peers?: { peerId: string }[]; code?: string };
    if (m.type === 'error') return tracker.fail(new Error(`join refused: ${raw}`));
    if (m.type === 'joined') {
      for (const p of m.peers!) mates.add(p.peerId);
      tracker.onJoined();
    } else if (m.type === 'peer-joined') {
      mates.add(m.peerId!);
    }
    if (!converged && mates.size === roomSize - 1) {
      converged = true;
      tracker.onConverged();
    }
  });
}

let rounds = 0;

/**
 * One round on `hubs`. Fails when a join is refused or the joins take over `timeoutMs`; a client still
 * missing a room mate `announceGraceMs` after the last `joined` is counted, not waited for.
 */
export async function joinRound(hubs: HubChild[], clients: number, roomSize: number, timeoutMs = 30_000, announceGraceMs = 3_000): Promise<JoinRound> {
  const round = rounds++;
  const open: BenchClient[] = [];
  try {
    for (let i = 0; i < clients; i += OPEN_BATCH) {
      const batch = Array.from({ length: Math.min(OPEN_BATCH, clients - i) }, (_, k) =>
        openClient(hubs[(i + k) % hubs.length]!.url, `127.0.0.${2 + ((i + k) % SOURCE_ADDRESSES)}`));
      open.push(...await Promise.all(batch));
    }
    let joinedAt = 0;
    let convergedAt: number | undefined;
    let converged = 0;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => reject(new Error(`joins not done in ${timeoutMs} ms: ${joined} of ${clients} joined`)), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        clearTimeout(grace);
        resolve();
      };
      let joined = 0;
      const tracker: Tracker = {
        onJoined() {
          if (++joined < clients) return;
          joinedAt = performance.now();
          if (converged === clients) finish();
          else grace = setTimeout(finish, announceGraceMs);
        },
        onConverged() {
          if (++converged < clients) return;
          convergedAt = performance.now();
          if (joined === clients) finish();
        },
        fail(err) {
          clearTimeout(timer);
          clearTimeout(grace);
          reject(err);
        },
      };
      open.forEach(({ ws }) => track(ws, roomSize, tracker));
      open.forEach(({ ws }, i) => ws.send(JSON.stringify({ type: 'join', room: `join-${round}-${Math.floor(i / roomSize)}`, name: `c${i}` })));
    });
    return {
      joinsPerSecond: clients / ((joinedAt - started) / 1000),
      convergedMs: convergedAt === undefined ? undefined : convergedAt - started,
      unannounced: clients - converged,
    };
  } finally {
    await closeClients(open);
    await settled(hubs);
  }
}
