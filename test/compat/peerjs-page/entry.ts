/**
 * The browser side of test/compat/peerjs.test.ts: the real `peerjs` client (bundled with esbuild), driven
 * from the test through `window.pj`. Every event of every Peer and DataConnection is recorded under a key
 * (the Peer's name, or `<name>><remote id>` for a connection) for the test to read.
 */
import { Peer, type DataConnection, type PeerOptions } from 'peerjs';

export interface PageEvent {
  /** performance.now() in the page, ms. */
  at: number;
  what: string;
  detail?: unknown;
}

const peers = new Map<string, Peer>();
const connections = new Map<string, DataConnection>();
const events = new Map<string, PageEvent[]>();

function record(key: string, what: string, detail?: unknown): void {
  let list = events.get(key);
  if (list === undefined) events.set(key, (list = []));
  list.push({ at: performance.now(), what, detail });
}

function watch(name: string, conn: DataConnection): void {
  const key = `${name}>${conn.peer}`;
  connections.set(key, conn);
  conn.on('open', () => record(key, 'open'));
  conn.on('data', (data) => record(key, 'data', data));
  conn.on('error', (err) => record(key, 'error', err.type));
  conn.on('close', () => record(key, 'close'));
}

function peer(name: string): Peer {
  const p = peers.get(name);
  if (p === undefined) throw new Error(`no peer ${name}`);
  return p;
}

const pj = {
  /** A Peer called `name`, with the id it chooses, or (id null) one from the server's /<key>/id. */
  create(name: string, id: string | null, options: PeerOptions): void {
    const p = id === null ? new Peer(options) : new Peer(id, options);
    peers.set(name, p);
    p.on('open', (openId) => record(name, 'open', openId));
    p.on('error', (err) => record(name, 'error', err.type));
    p.on('disconnected', () => record(name, 'disconnected'));
    p.on('close', () => record(name, 'close'));
    p.on('connection', (conn) => {
      record(name, 'connection', conn.peer);
      watch(name, conn);
    });
  },
  connect(name: string, to: string): void {
    record(name, 'connecting', to);
    watch(name, peer(name).connect(to));
  },
  send(name: string, to: string, data: unknown): void {
    const conn = connections.get(`${name}>${to}`);
    if (conn === undefined) throw new Error(`no connection ${name}>${to}`);
    conn.send(data);
  },
  id: (name: string) => peer(name).id,
  disconnect: (name: string) => peer(name).disconnect(),
  reconnect: (name: string) => peer(name).reconnect(),
  destroy: (name: string) => peer(name).destroy(),
  events: (key: string): PageEvent[] => events.get(key) ?? [],
};

export type PeerjsPageApi = typeof pj;
(window as unknown as { pj: PeerjsPageApi }).pj = pj;
