/**
 * Three hub processes on one real Redis: a room whose members sit on different hubs behaves as on one hub
 * (join and leave events, signal, relay to the room and whispers, order), and the room and hub limits hold
 * across hubs, also when two hubs race for the last seat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubCluster } from '../helpers/hub-cluster.ts';
import { TestClient } from '../helpers/test-client.ts';

let cluster: HubCluster;
const urls = () => cluster.hubs.map((h) => h.url);

beforeAll(async () => {
  cluster = await HubCluster.start({
    hubs: 3,
    hubArgs: ['--no-server-peer', '--max-peers-per-room', '3', '--max-rooms', '40', '--messages-per-second', '5000', '--message-burst', '5000'],
  });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

describe('members on three hubs in one room', () => {
  it('see each other join and leave, and exchange signal, relay and whispers in order', async () => {
    const [a, b, c] = await Promise.all(urls().map((url) => TestClient.connect(url)));
    const joinedA = await a!.join('span', 'alice');
    expect(joinedA.peers).toEqual([]);
    const joinedB = await b!.join('span', 'bob');
    expect(joinedB.peers).toEqual([{ peerId: a!.peerId, name: 'alice', role: 'peer' }]);
    expect(await a!.next('peer-joined')).toMatchObject({ peerId: b!.peerId, name: 'bob' });
    const joinedC = await c!.join('span', 'carol');
    expect(joinedC.peers.map((p) => p.name).sort()).toEqual(['alice', 'bob']);
    expect(await a!.next('peer-joined')).toMatchObject({ peerId: c!.peerId });
    expect(await b!.next('peer-joined')).toMatchObject({ peerId: c!.peerId });

    // signal from hub 0 to hub 2, and back
    a!.send({ type: 'signal', to: c!.peerId, data: { sdp: 'offer' } });
    expect(await c!.next('signal')).toEqual({ type: 'signal', from: a!.peerId, data: { sdp: 'offer' } });
    c!.send({ type: 'signal', to: a!.peerId, data: { sdp: 'answer' } });
    expect(await a!.next('signal')).toEqual({ type: 'signal', from: c!.peerId, data: { sdp: 'answer' } });

    // numbered broadcasts and whispers from b, interleaved: each receiver gets its share once, in order
    const N = 300;
    for (let i = 0; i < N; i++) {
      if (i % 3 === 0) b!.send({ type: 'relay', room: 'span', to: c!.peerId, data: { i } });
      else b!.send({ type: 'relay', room: 'span', data: { i } });
    }
    const inOrder = async (client: TestClient, expected: number[]) => {
      const got: number[] = [];
      while (got.length < expected.length) got.push(((await client.next('relay')).data as { i: number }).i);
      expect(got).toEqual(expected);
    };
    const all = Array.from({ length: N }, (_, i) => i);
    await Promise.all([inOrder(a!, all.filter((i) => i % 3 !== 0)), inOrder(c!, all)]);

    // a whisper to a peer in no shared room is refused, as on one hub
    const stranger = await TestClient.connect(urls()[1]!);
    await stranger.join('elsewhere');
    a!.send({ type: 'signal', to: stranger.peerId, data: 1 });
    await a!.nextError('peer-not-found');

    b!.send({ type: 'leave', room: 'span' });
    await b!.next('left');
    expect(await a!.next('peer-left')).toMatchObject({ peerId: b!.peerId, reason: 'left' });
    expect(await c!.next('peer-left')).toMatchObject({ peerId: b!.peerId, reason: 'left' });
    await c!.close();
    expect(await a!.next('peer-left')).toMatchObject({ peerId: c!.peerId, reason: 'left' });
    await Promise.all([a!.close(), b!.close(), stranger.close()]);
  });
});

describe('joins at once across hubs', () => {
  it('every member learns of every room mate: from joined, or from a peer-joined that follows it', async () => {
    // The bench found it: a room mate's frames reached a joiner's hub before its own join's answer did, and were dropped.
    const ROOMS = 38; // the cluster's maxRooms is 40
    const PER_ROOM = 3;
    for (let round = 0; round < 3; round++) await burst(ROOMS, PER_ROOM, round);
  }, 60_000);
});

/** Members of ROOMS rooms join at once, spread over the hubs; each must know all its room mates. */
async function burst(ROOMS: number, PER_ROOM: number, round: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: ROOMS * PER_ROOM }, (_, i) => TestClient.connect(urls()[i % 3]!, { localAddress: `127.0.0.${2 + (i % 8)}` })));
  const joins = clients.map((c, i) => c.join(`burst-${i % ROOMS}`));
  await Promise.all(joins);
  const roomOf = (i: number) => i % ROOMS;
  for (const [i, client] of clients.entries()) {
    const mates = clients.filter((_, j) => j !== i && roomOf(j) === roomOf(i)).map((c) => c.peerId).sort();
    const known = new Set((client.log.find((m) => m.type === 'joined') as { peers: { peerId: string }[] }).peers.map((p) => p.peerId));
    const deadline = Date.now() + 5_000;
    while (known.size < mates.length && Date.now() < deadline) {
      for (const m of client.log) if (m.type === 'peer-joined') known.add(m.peerId);
      if (known.size < mates.length) await new Promise((r) => setTimeout(r, 20));
    }
    expect([...known].sort(), `round ${round}, client ${i}`).toEqual(mates);
    // and nothing about the room came before joined
    const firstJoined = client.log.findIndex((m) => m.type === 'joined');
    expect(client.log.slice(0, firstJoined).filter((m) => m.type !== 'welcome'), `round ${round}, client ${i}`).toEqual([]);
  }
  await Promise.all(clients.map((c) => c.close()));
  const redis = cluster.redis.client();
  for (let tries = 0; (await redis.scard('rw:rooms')) > 0; tries++) {
    expect(tries, 'the burst rooms close').toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('limits across hubs', () => {
  it('maxPeersPerRoom counts the members of every hub', async () => {
    const clients = await Promise.all(urls().map((url) => TestClient.connect(url)));
    for (const client of clients) await client.join('three-seats');
    const late = await TestClient.connect(urls()[1]!);
    late.send({ type: 'join', room: 'three-seats' });
    await late.nextError('room-full');
    await clients[0]!.close();
    await clients[1]!.next('peer-left');
    await late.join('three-seats'); // the seat freed on hub 0 is free on hub 1
    await Promise.all([...clients, late].map((c) => c.close()));
  });

  it('two hubs racing for the last seat: exactly one gets it, every time', async () => {
    for (let round = 0; round < 10; round++) {
      const room = `race-${round}`;
      const seated = await Promise.all([TestClient.connect(urls()[0]!), TestClient.connect(urls()[0]!)]);
      for (const s of seated) await s.join(room);
      const racers = await Promise.all([TestClient.connect(urls()[1]!), TestClient.connect(urls()[2]!)]);
      for (const r of racers) r.send({ type: 'join', room });
      const answers = await Promise.all(racers.map((r) => r.take((m): m is never => m.type === 'joined' || m.type === 'error', 'joined or error')));
      const outcome = answers.map((m) => (m as { type: string; code?: string }).code ?? (m as { type: string }).type).sort();
      expect(outcome, `round ${round}`).toEqual(['joined', 'room-full']);
      await Promise.all([...seated, ...racers].map((c) => c.close()));
    }
  });

  it('maxRooms counts the rooms of every hub', async () => {
    const clients = await Promise.all(Array.from({ length: 40 }, (_, i) => TestClient.connect(urls()[i % 3]!)));
    await Promise.all(clients.map((c, i) => c.join(`cap-${i}`)));
    const over = await TestClient.connect(urls()[2]!);
    over.send({ type: 'join', room: 'one-too-many' });
    await over.nextError('hub-full');
    await clients[0]!.close();
    await clients[1]!.close();
    // the hub that closed the room tells Redis before it answers anything else; give the close a moment to land
    for (let tries = 0; ; tries++) {
      over.send({ type: 'join', room: 'one-too-many' });
      const answer = await over.take((m): m is never => m.type === 'joined' || m.type === 'error', 'joined or error');
      if ((answer as { type: string }).type === 'joined') break;
      expect(tries).toBeLessThan(20);
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all([...clients, over].map((c) => c.close()));
  });
});
