/**
 * PeerJS, differential: every check runs against roomwire's hub (`peerjs: true`) and against the original
 * peerjs-server (npm `peer`, in a child process), with the real `peerjs` client in headless Chromium pages
 * and with raw sockets. Where roomwire deliberately differs, the check says so and asserts both behaviours.
 * One Chromium for the file; the pages come from an origin of their own, as most PeerJS apps do.
 */
import type { Browser } from 'playwright-core';
import { PeerServer } from 'peer';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { startHub } from '../helpers/hub.ts';
import { PeerjsPage, servePeerjsPages, type PageSite } from '../helpers/peerjs-page.ts';
import { RawPeerjs } from '../helpers/peerjs-raw.ts';
import { startEmbeddedPeerjsServer, startPeerjsServer } from '../helpers/peerjs-server.ts';

const KINDS = ['roomwire', 'peerjs-server'] as const;
type Kind = (typeof KINDS)[number];
/** Both servers' expire timeout here (the default is 5 s on both): short, to keep the file quick. */
const EXPIRE_MS = 1_500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let browser: Browser;
let site: PageSite;
beforeAll(async () => {
  [browser, site] = await Promise.all([launchChromium(), servePeerjsPages()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

interface Target {
  port: number;
  stop(): Promise<void>;
}

/** A PeerJS server under test: roomwire in this process, peerjs-server in a child of its own. */
async function startTarget(kind: Kind, discovery: boolean): Promise<Target> {
  if (kind === 'peerjs-server') return startPeerjsServer(['--expire_timeout', String(EXPIRE_MS), ...(discovery ? ['--allow_discovery'] : [])]);
  const { hub, port } = await startHub({ peerjs: true, peerjsDiscovery: discovery, peerjsExpireTimeoutMs: EXPIRE_MS, allowedOrigins: [site.origin] });
  return { port, stop: () => hub.close() };
}

const http = (port: number, path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init);
const peerList = async (port: number) => (await (await http(port, '/peerjs/peers')).json()) as string[];

describe.each(KINDS)('PeerJS against %s', (kind) => {
  let target: Target;
  let ann: PeerjsPage;
  let bob: PeerjsPage;
  beforeAll(async () => {
    target = await startTarget(kind, true);
    [ann, bob] = await Promise.all([PeerjsPage.open(browser, site), PeerjsPage.open(browser, site)]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([ann?.close(), bob?.close()]);
    await target?.stop();
  });

  it('gives the id a page chose, or a fresh one from /peerjs/id', async () => {
    await ann.create('ann', 'ann', target.port);
    expect((await ann.waitFor('ann', 'open')).detail).toBe('ann');
    await bob.create('nameless', null, target.port);
    expect((await bob.waitFor('nameless', 'open')).detail).toMatch(UUID);
    const [one, two] = await Promise.all([http(target.port, '/peerjs/id'), http(target.port, '/peerjs/id', { headers: { origin: site.origin } })]);
    expect(one.status).toBe(200);
    expect(two.headers.get('access-control-allow-origin')).toBe(site.origin); // CORS: apps live on other origins
    const [a, b] = [await one.text(), await two.text()];
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
    expect(await peerList(target.port)).toEqual(expect.arrayContaining(['ann', await bob.id('nameless')]));
  });

  it('carries a DataConnection both ways', async () => {
    await bob.create('bob', 'bob', target.port);
    await bob.waitFor('bob', 'open');
    await ann.connect('ann', 'bob');
    expect((await bob.waitFor('bob', 'connection')).detail).toBe('ann');
    await Promise.all([ann.waitFor('ann>bob', 'open'), bob.waitFor('bob>ann', 'open')]);
    await ann.send('ann', 'bob', { hello: 'bob', n: 1 });
    await bob.send('bob', 'ann', 'hello ann');
    expect((await bob.waitFor('bob>ann', 'data')).detail).toEqual({ hello: 'bob', n: 1 });
    expect((await ann.waitFor('ann>bob', 'data')).detail).toBe('hello ann');
  });

  it('answers unavailable-id for an id held with another token', async () => {
    await bob.create('impostor', 'ann', target.port);
    expect((await bob.waitFor('impostor', 'error')).detail).toBe('unavailable-id');
    expect(await bob.events('impostor')).not.toContainEqual(expect.objectContaining({ what: 'open' }));
  });

  it('answers peer-unavailable for an absent peer, once the expire timeout has passed', async () => {
    await ann.connect('ann', 'nobody-home');
    const asked = (await ann.events('ann')).find((e) => e.what === 'connecting' && e.detail === 'nobody-home')!;
    const told = await ann.waitFor('ann', 'error', { detail: 'peer-unavailable', timeoutMs: EXPIRE_MS + 5_000 });
    // The offer waited in the server's queue (not refused at once); peerjs-server sweeps every second.
    expect(told.at - asked.at).toBeGreaterThanOrEqual(EXPIRE_MS - 100);
    expect(await ann.events('ann')).not.toContainEqual(expect.objectContaining({ what: 'disconnected' }));
  });

  it('reconnects with the same id and token, and is reachable again', async () => {
    await ann.call('disconnect', 'ann');
    await ann.waitFor('ann', 'disconnected');
    await expect.poll(() => peerList(target.port)).not.toContain('ann');
    await ann.call('reconnect', 'ann');
    expect((await ann.waitFor('ann', 'open', { nth: 1 })).detail).toBe('ann');
    await bob.create('carol', 'carol', target.port);
    await bob.waitFor('carol', 'open');
    await bob.connect('carol', 'ann');
    await ann.waitFor('ann', 'connection', { detail: 'carol' });
    await bob.waitFor('carol>ann', 'open');
    await bob.send('carol', 'ann', 'welcome back');
    expect((await ann.waitFor('ann>carol', 'data')).detail).toBe('welcome back');
  });

  it('answers malformed frames (roomwire: ERROR with a code; peerjs-server: a deaf socket), and nobody else notices', async () => {
    const disconnects = async () => (await ann.events('ann')).filter((e) => e.what === 'disconnected').length;
    const before = await disconnects();
    const mallory = await RawPeerjs.connect(target.port, 'mallory');
    if (kind === 'roomwire') {
      // Deliberate: each gets a clear error with a stable code, and the socket goes on.
      mallory.sendRaw('not json');
      mallory.sendRaw('"a string"');
      mallory.sendRaw('[1, 2, 3]');
      mallory.send({ type: 'NOPE', dst: 'ann' });
      mallory.send({ type: 'OFFER', payload: {} }); // no dst
      await mallory.sync('mallory');
      expect(mallory.pending.map((f) => [f.type, f.payload?.code])).toEqual([
        ['ERROR', 'bad-json'], ['ERROR', 'bad-message'], ['ERROR', 'bad-message'], ['ERROR', 'unknown-type'], ['ERROR', 'bad-message'],
      ]);
    } else {
      // peerjs-server's parse error escapes from ws's frame reader (its command only logs the uncaught
      // exception): that socket stays open but nothing it sends is read any more. Nothing comes back (1 s).
      mallory.sendRaw('not json');
      await expect(mallory.sync('mallory', 1_000)).rejects.toThrow(/timed out/);
      expect(mallory.ws.readyState).toBe(mallory.ws.OPEN);
    }
    // The pages go on: the existing DataConnection, and signaling (an offer to mallory still reaches it).
    await ann.send('ann', 'bob', 'after the garbage');
    expect((await bob.waitFor('bob>ann', 'data', { nth: 1 })).detail).toBe('after the garbage');
    await bob.connect('bob', 'mallory');
    await expect.poll(() => mallory.log.some((f) => f.type === 'OFFER' && f.src === 'bob')).toBe(true);
    expect(await disconnects()).toBe(before);
    expect([...ann.page.errors, ...bob.page.errors]).toEqual([]);
    // peerjs-server would not read a close frame from it either
    await (kind === 'roomwire' ? mallory.close() : mallory.kill());
  });

  it('reads text frames only (peerjs-server also relays JSON sent in a binary frame)', async () => {
    const sender = await RawPeerjs.connect(target.port, 'binary');
    sender.sendRaw(Buffer.from(JSON.stringify({ type: 'CANDIDATE', dst: 'binary', payload: 'in a binary frame' })), true);
    await sender.sync('binary');
    expect(sender.pending).toEqual(kind === 'roomwire'
      ? [{ type: 'ERROR', payload: { msg: 'PeerJS signaling frames are JSON text', code: 'binary-not-supported' } }]
      : [{ type: 'CANDIDATE', src: 'binary', dst: 'binary', payload: 'in a binary frame' }]);
    await sender.close();
  });

  it('stamps src itself, and relays type, src, dst and payload only', async () => {
    const [x, y] = [await RawPeerjs.connect(target.port, 'x-raw'), await RawPeerjs.connect(target.port, 'y-raw')];
    x.send({ type: 'OFFER', src: 'y-raw', dst: 'y-raw', payload: { sdp: 'v=0' }, extra: 'dropped' });
    x.send({ type: 'LEAVE', src: 'someone', dst: 'y-raw' });
    expect(await y.nextFrame()).toEqual({ type: 'OFFER', src: 'x-raw', dst: 'y-raw', payload: { sdp: 'v=0' } });
    expect(await y.nextFrame()).toEqual({ type: 'LEAVE', src: 'x-raw', dst: 'y-raw' });
    await Promise.all([x.close(), y.close()]);
  });

  it('keeps messages for an id that is not connected yet, and delivers them in order when it connects', async () => {
    const early = await RawPeerjs.connect(target.port, 'early');
    early.send({ type: 'OFFER', dst: 'late', payload: 1 });
    early.send({ type: 'CANDIDATE', dst: 'late', payload: 2 });
    early.send({ type: 'LEAVE', dst: 'late' }); // never kept
    await early.sync('early');
    const late = await RawPeerjs.connect(target.port, 'late');
    expect(await late.nextFrame()).toEqual({ type: 'OFFER', src: 'early', dst: 'late', payload: 1 });
    expect(await late.nextFrame()).toEqual({ type: 'CANDIDATE', src: 'early', dst: 'late', payload: 2 });
    await late.sync('late');
    expect(late.pending).toEqual([]);
    await Promise.all([early.close(), late.close()]);
  });

  it('lets the same id and token take a held id over on a second socket, without OPEN; another token gets ID-TAKEN', async () => {
    const first = await RawPeerjs.connect(target.port, 'twice', 'secret');
    const second = await RawPeerjs.open(target.port, { key: 'peerjs', id: 'twice', token: 'secret' });
    await second.sync('twice'); // what is sent to the id reaches the newest socket ...
    expect(second.pending).toEqual([]); // ... which got no OPEN
    first.send({ type: 'CANDIDATE', dst: 'twice', payload: 'from the first' }); // the first still speaks for it
    expect(await second.nextFrame()).toEqual({ type: 'CANDIDATE', src: 'twice', dst: 'twice', payload: 'from the first' });
    const thief = await RawPeerjs.open(target.port, { key: 'peerjs', id: 'twice', token: 'guess' });
    expect(await thief.nextFrame()).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    expect((await thief.closed).code).toBe(1005);
    expect(first.ws.readyState).toBe(first.ws.OPEN);
    expect(first.pending).toEqual([]);
    await first.close(); // the old socket going frees nothing: the id stays with the second
    await second.sync('twice');
    expect(await peerList(target.port)).toContain('twice');
    await second.close();
  });

  it('refuses a socket without id, token or key, or with another key: ERROR, then close', async () => {
    for (const [query, msg, code] of [
      [{ key: 'peerjs', id: 'no-token' }, 'No id, token, or key supplied to websocket server', 'missing-parameters'],
      [{ key: 'peerjs', id: '', token: 't' }, 'No id, token, or key supplied to websocket server', 'missing-parameters'],
      [{ key: 'other', id: 'wrong-key', token: 't' }, 'Invalid key provided', 'invalid-key'],
    ] as const) {
      const client = await RawPeerjs.open(target.port, query);
      const error = await client.nextFrame();
      // roomwire adds a stable payload.code beside peerjs-server's msg
      expect(error).toEqual({ type: 'ERROR', payload: kind === 'roomwire' ? { msg, code } : { msg } });
      expect((await client.closed).code).toBe(1005);
    }
  });

  it('frees the id of a LEAVE without dst (roomwire also closes that socket)', async () => {
    const [leaver, witness] = [await RawPeerjs.connect(target.port, 'leaver'), await RawPeerjs.connect(target.port, 'witness')];
    leaver.send({ type: 'LEAVE' });
    await expect.poll(() => peerList(target.port)).not.toContain('leaver');
    const heir = await RawPeerjs.connect(target.port, 'leaver', 'another-token');
    if (kind === 'roomwire') {
      expect((await leaver.closed).code).toBe(1000);
    } else {
      // Deliberate difference: peerjs-server keeps relaying what that socket sends, under the id it gave up
      // and that someone else now holds.
      leaver.send({ type: 'CANDIDATE', dst: 'witness', payload: 'not the heir' });
      expect(await witness.nextFrame()).toEqual({ type: 'CANDIDATE', src: 'leaver', dst: 'witness', payload: 'not the heir' });
    }
    await Promise.all([leaver.close(), witness.close(), heir.close()]);
  });

  it('without discovery, /peerjs/peers answers 401 and /peerjs/id still works', async () => {
    const closed = await startTarget(kind, false);
    try {
      expect((await http(closed.port, '/peerjs/peers')).status).toBe(401);
      expect(await (await http(closed.port, '/peerjs/id')).text()).toMatch(UUID);
    } finally {
      await closed.stop();
    }
  });
});

describe('peerjs-server embedded as its README shows', () => {
  it('exits on one frame that is not JSON (roomwire answers ERROR bad-json, above)', async () => {
    const embedded = await startEmbeddedPeerjsServer();
    try {
      const victim = await RawPeerjs.connect(embedded.port, 'victim');
      victim.sendRaw('not json'); // its 'error' event, emitted with no listener, throws out of the process
      expect(await embedded.exited).toBe(1);
      expect((await victim.closed).code).toBe(1006);
    } finally {
      await embedded.stop();
    }
  });
});

describe('the alive timeout (fake clock)', () => {
  const ALIVE_MS = 10_000;
  afterEach(() => {
    vi.useRealTimers();
  });

  /** peerjs-server in this process, so that its timers run on the fake clock (they go with it). */
  async function startPeerjsServerHere(): Promise<Target> {
    const server = await new Promise<Server>((resolve) => {
      PeerServer({ host: '127.0.0.1', port: 0, alive_timeout: ALIVE_MS }, (s) => resolve(s as Server));
    });
    return {
      port: (server.address() as { port: number }).port,
      stop: async () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }

  it.each(KINDS)('%s closes a socket that sent no HEARTBEAT for the alive timeout and frees its id', async (kind) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const target = kind === 'roomwire'
      ? await startHub({ peerjs: true, peerjsAliveTimeoutMs: ALIVE_MS }).then(({ hub, port }) => ({ port, stop: () => hub.close() }))
      : await startPeerjsServerHere();
    try {
      const [quiet, beating] = [await RawPeerjs.connect(target.port, 'quiet'), await RawPeerjs.connect(target.port, 'beating')];
      vi.advanceTimersByTime(ALIVE_MS * 0.6);
      beating.send({ type: 'HEARTBEAT' });
      await beating.sync('beating');
      vi.advanceTimersByTime(ALIVE_MS * 0.6); // quiet: 1.2 x silent; beating: 0.6 x since its HEARTBEAT
      expect((await quiet.closed).code).toBe(1005);
      await beating.sync('beating');
      expect(beating.ws.readyState).toBe(beating.ws.OPEN);
      const again = await RawPeerjs.connect(target.port, 'quiet', 'a-new-token');
      await Promise.all([beating.close(), again.close()]);
    } finally {
      vi.useRealTimers();
      await target.stop();
    }
  });
});
