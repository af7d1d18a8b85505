/**
 * The transport ladder with real werift peers: relay when P2P is off or ICE never connects, back to
 * direct when P2P becomes possible, and nothing lost or duplicated across any switch or a signaling drop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkPath } from '../../src/client/peer-link.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import type { NodeClientConfig } from '../../src/client/node.ts';

let t: TestHub;
const clients: RoomClient[] = [];
beforeAll(async () => { t = await startHub({ messagesPerSecond: 1_000, messageBurst: 2_000 }); });
afterAll(async () => {
  for (const c of clients) c.close();
  await t.hub.close();
});

async function client(config: Partial<NodeClientConfig> = {}) {
  const c = await connectClient(t.url, config);
  clients.push(c);
  return c;
}

const numbered = (from: string, n: number) => Array.from({ length: n }, (_, k) => `${from}:${k}`);

describe('relay when P2P cannot be made', () => {
  it('a client with P2P off talks to everyone over the hub relay, nothing lost or duplicated', async () => {
    const off = await client({ p2p: false });
    const [x, y] = [await client(), await client()];
    const rooms = [await off.join('nop2p'), await x.join('nop2p'), await y.join('nop2p')];
    await untilPaths(rooms[0]!, 2, ['relay']);
    await untilPaths(rooms[1]!, 2, ['relay', 'direct']);
    // x and y still make P2P between themselves
    expect(rooms[1]!.peers().find((p) => p.peerId === y.peerId)?.path).toBe('direct');
    expect(rooms[1]!.peers().find((p) => p.peerId === off.peerId)?.path).toBe('relay');
    const boxes = rooms.map(collect);
    const ids = [off.peerId, x.peerId, y.peerId];
    rooms.forEach((r, i) => numbered(ids[i]!, 100).forEach((m) => r.send(m)));
    await until(() => boxes.every((b) => b.length >= 200), 'everyone gets 200');
    await new Promise((r) => setTimeout(r, 300));
    boxes.forEach((box, i) => {
      expect(box.length).toBe(200);
      for (const [j, id] of ids.entries()) if (j !== i) expect(box.filter((m) => m.from === id).map((m) => m.data)).toEqual(numbered(id, 100));
    });
    expect(boxes[0]!.every((m) => m.path === 'relay')).toBe(true);
  }, 60_000);

  /** Two clients whose werift ICE is crippled by `werift` overrides; a sends 300 messages to b. */
  async function relayAfterIceTrouble(room: string, werift: NodeClientConfig['werift'], expectConnecting: boolean) {
    const a = await client({ werift, p2pTimeoutMs: 1_500, p2pRetryMinMs: 60_000 });
    const b = await client({ werift, p2pTimeoutMs: 1_500, p2pRetryMinMs: 60_000 });
    const ra = await a.join(room);
    const rb = await b.join(room);
    const atB = collect(rb);
    const sent = numbered(a.peerId, 300);
    await until(() => ra.members.size === 1, 'a sees b');
    if (expectConnecting) expect(ra.peers()[0]!.path).toBe('connecting');
    for (const m of sent.slice(0, 150)) ra.send(m); // queued while the link is still connecting (or just failed)
    await untilPaths(ra, 1, ['relay']);
    for (const m of sent.slice(150)) ra.send(m);
    await until(() => atB.length >= 300, 'b gets 300');
    await new Promise((r) => setTimeout(r, 300));
    expect(atB.map((m) => m.data)).toEqual(sent);
    expect(atB.every((m) => m.path === 'relay')).toBe(true);
  }

  it('ICE that fails at once (no candidate pair allowed) falls back to relay with nothing lost', async () => {
    await relayAfterIceTrouble('ice-fails', { iceFilterCandidatePair: () => false }, false);
  }, 60_000);

  it('ICE that never connects (STUN answers dropped) falls back after p2pTimeoutMs with nothing lost', async () => {
    await relayAfterIceTrouble('ice-hangs', { iceFilterStunResponse: () => false }, true);
  }, 60_000);
});

describe('back to P2P', () => {
  it('a relayed link returns to direct when P2P becomes possible, losing nothing across the switch', async () => {
    let allow = false;
    const gate = { iceFilterCandidatePair: () => allow };
    const a = await client({ werift: gate, p2pTimeoutMs: 1_000, p2pRetryMinMs: 500, p2pRetryMaxMs: 1_000 });
    const b = await client({ werift: gate, p2pTimeoutMs: 1_000, p2pRetryMinMs: 500, p2pRetryMaxMs: 1_000 });
    const ra = await a.join('heal');
    const rb = await b.join('heal');
    await untilPaths(ra, 1, ['relay']);
    const paths: LinkPath[] = [];
    a.on('path-change', (e) => paths.push(e.path));
    const atB = collect(rb);
    const atA = collect(ra);
    let k = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 20; i++, k++) {
        ra.send(`a:${k}`);
        rb.send(`b:${k}`);
      }
    }, 20);
    await new Promise((r) => setTimeout(r, 300));
    allow = true;
    await untilPaths(ra, 1, ['direct'], 20_000);
    await untilPaths(rb, 1, ['direct'], 20_000);
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(pump);
    const total = k;
    await until(() => atB.length >= total && atA.length >= total, `both get ${total}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(atB.map((m) => m.data)).toEqual(numbered('a', total));
    expect(atA.map((m) => m.data)).toEqual(numbered('b', total));
    expect(paths).toContain('direct');
    expect(new Set(atB.map((m) => m.path))).toEqual(new Set(['relay', 'direct']));
  }, 60_000);
});

describe('signaling outage', () => {
  it('the socket killed mid-conversation resumes; DataChannels carry on; nothing lost', async () => {
    const off = await client({ p2p: false });
    const [a, b] = [await client(), await client()];
    const [ro, ra, rb] = [await off.join('outage'), await a.join('outage'), await b.join('outage')];
    await untilPaths(ra, 2, ['direct', 'relay']);
    await untilPaths(rb, 2, ['direct', 'relay']);
    const [atO, atB] = [collect(ro), collect(rb)];
    const peerIdBefore = a.peerId;
    const states: string[] = [];
    a.on('signaling', (s) => states.push(s));
    for (let k = 0; k < 50; k++) ra.send(`a:${k}`);
    a.dropSignalingForTest();
    for (let k = 50; k < 100; k++) ra.send(`a:${k}`); // during the outage: to b over the DataChannel, to `off` once resumed
    await until(() => atB.length >= 100, 'b gets 100 during/after the outage');
    await until(() => a.signalingState === 'open', 'a resumed');
    expect(a.peerId).toBe(peerIdBefore);
    expect(states).toEqual(['reconnecting', 'open']);
    await until(() => atO.length >= 100, 'the relayed peer gets 100');
    await new Promise((r) => setTimeout(r, 300));
    expect(atB.map((m) => m.data)).toEqual(numbered('a', 100));
    expect(atO.map((m) => m.data)).toEqual(numbered('a', 100));
    expect(atB.every((m) => m.path === 'direct')).toBe(true);
  }, 60_000);
});
