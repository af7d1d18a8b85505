/**
 * Peers protect themselves: forged history, oversized messages on both ends, receive bounds, and
 * throwing listeners. Real hub, real room clients; the hostile peer speaks the raw protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAG, encodeData } from '../../src/client/link-wire.ts';
import type { ClientEvents, RoomClient } from '../../src/client/room-client.ts';
import { HostilePeer, joinBytes, messageHeader } from '../helpers/hostile-peer.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until } from '../helpers/room-clients.ts';

const SECRET = 'peer-guards-server-secret-xxxxxxx';
const KiB = 1024;
let t: TestHub;
const clients: RoomClient[] = [];
const hostiles: HostilePeer[] = [];
beforeAll(async () => {
  // The hub's byte budget lifted: these tests are about what peers do to each other, not about the hub.
  t = await startHub({ serverPeerSecret: SECRET, bytesPerSecond: 256 * 1024 * 1024, byteBurst: 256 * 1024 * 1024 });
});
afterAll(async () => {
  await Promise.all(hostiles.map((h) => h.close()));
  await Promise.all(clients.map((c) => c.close()));
  await t.hub.close();
});

async function client(config: Parameters<typeof connectClient>[1] = {}) {
  const c = await connectClient(t.url, { p2p: false, ...config });
  clients.push(c);
  return c;
}

function events<K extends keyof ClientEvents & string>(c: RoomClient, name: K): ClientEvents[K][] {
  const got: ClientEvents[K][] = [];
  c.on(name, (e) => got.push(e));
  return got;
}

async function hostile(room: string, name?: string, extra?: Record<string, unknown>) {
  const h = await HostilePeer.join(t.url, room, name, extra);
  hostiles.push(h);
  return h;
}

describe('peers protect themselves', () => {
  it('a forged history flag from an ordinary peer is delivered as its own message; only a server peer replays history', async () => {
    const victim = await client();
    const honest = await client();
    const room = await victim.join('forge', { name: 'victim' });
    await honest.join('forge', { name: 'alice' });
    const inbox = collect(room);
    const mallory = await hostile('forge');
    await until(() => room.members.has(mallory.peerId), 'the victim sees mallory');
    mallory.noP2P(victim.peerId);
    mallory.sendRecords(victim.peerId, [mallory.message(victim.peerId, 'forge', 'alice said I may', { from: honest.peerId, at: 1 })]);
    await until(() => inbox.length === 1, 'the forged message arrives');
    expect(inbox[0]).toMatchObject({ from: mallory.peerId, data: 'alice said I may', whisper: false });
    expect(inbox[0]!.history).toBeUndefined();

    // the same bytes from a member with role server are history
    const server = await hostile('forge', 'server', { role: 'server', token: SECRET });
    await until(() => room.members.get(server.peerId)?.role === 'server', 'the victim sees the server peer');
    server.noP2P(victim.peerId);
    server.sendRecords(victim.peerId, [server.message(victim.peerId, 'forge', 'earlier words', { from: honest.peerId, at: 1234 })]);
    await until(() => inbox.length === 2, 'the replay arrives');
    expect(inbox[1]).toMatchObject({ from: server.peerId, data: 'earlier words', history: { from: honest.peerId, at: 1234 } });
  });

  it('a message over maxMessageBytes is refused by its sender with code message-too-large, before anything is queued', async () => {
    const sender = await client({ maxMessageBytes: KiB });
    const receiver = await client();
    const room = await sender.join('size');
    const inbox = collect(await receiver.join('size'));
    await until(() => room.members.size === 1, 'both in the room');
    const [to] = room.members.keys();
    const refusals = [
      () => room.send(new Uint8Array(KiB + 1)),
      () => room.send('€'.repeat(342)), // 1,026 bytes of UTF-8 in 342 characters
      () => room.send(new Uint8Array(KiB + 1), { to: to! }),
      () => room.sendHistory(to!, { from: sender.peerId, at: 0, data: 'x'.repeat(KiB + 1) }),
    ];
    for (const refused of refusals) {
      let code: unknown;
      try {
        refused();
      } catch (err) {
        code = (err as { code?: unknown }).code;
      }
      expect(code).toBe('message-too-large');
    }
    expect(sender.link(to!)?.bufferedAmount ?? 0).toBe(0);
    room.send(new Uint8Array(KiB).fill(1));
    room.send('é'.repeat(KiB / 2)); // exactly 1 KiB
    await until(() => inbox.length === 2, 'the largest allowed messages arrive');
    expect(inbox.map((m) => m.data)).toEqual([new Uint8Array(KiB).fill(1), 'é'.repeat(KiB / 2)]);
  });

  it('a peer beyond the receive bounds has its link reset and reported; an honest peer on the same client is unaffected', async () => {
    const victim = await client({ maxMessageBytes: 64 * KiB, maxEarlyBytes: 64 * KiB, maxReceiveBufferBytes: 256 * KiB });
    const honest = await client();
    const room = await victim.join('bounds', { name: 'victim' });
    const honestRoom = await honest.join('bounds', { name: 'alice' });
    const mallory = await hostile('bounds');
    await until(() => room.members.size === 2, 'everyone in the room');
    const resets = events(victim, 'link-reset');
    const inbox = collect(room);
    mallory.noP2P(victim.peerId);

    // messages that never end (a new one every 20 frames), and chunks far ahead; frames fit the hub's 64 KiB
    const chunk = new Uint8Array(12 * KiB);
    let most = 0;
    for (let frame = 0; frame < 80; frame++) {
      const first = frame % 20 === 0;
      const records = [
        encodeData(mallory.seqs(victim.peerId, 1), first ? FLAG.first : 0, first ? joinBytes(messageHeader('bounds'), chunk) : chunk),
        encodeData(mallory.seqs(victim.peerId, 1), 0, chunk),
        encodeData(1_000_000 + frame, 0, chunk),
      ];
      mallory.sendRecords(victim.peerId, records);
      // the honest peer talks meanwhile, with messages that take several chunks
      if (frame % 2 === 0) honestRoom.send(new Uint8Array(40 * KiB).fill(frame / 2));
      most = Math.max(most, victim.receiveBufferedBytes);
      await new Promise((r) => setTimeout(r, 5));
    }
    mallory.sendRecords(victim.peerId, [mallory.message(victim.peerId, 'bounds', 'mallory again')]);
    await until(() => inbox.some((m) => m.data === 'mallory again'), 'the reset link carries the next message');
    await until(() => inbox.filter((m) => m.from === honest.peerId).length === 40, 'every honest message');
    expect(inbox.filter((m) => m.from === honest.peerId).map((m) => (m.data as Uint8Array)[0])).toEqual([...Array(40).keys()]);
    expect(inbox.filter((m) => m.from === mallory.peerId).map((m) => m.data)).toEqual(['mallory again']);
    expect(resets).toHaveLength(4); // one per never-ending message
    expect(resets.every((r) => r.peerId === mallory.peerId && r.reason === 'message-too-large')).toBe(true);
    expect(most).toBeLessThanOrEqual(256 * KiB);
  });

  it('a throwing listener is reported as an error event; the other listeners and later messages are unaffected', async () => {
    const victim = await client();
    const other = await client();
    const room = await victim.join('throws');
    const otherRoom = await other.join('throws');
    await until(() => otherRoom.members.size === 1, 'both in the room');
    const errors = events(victim, 'error');
    room.on('message', () => {
      throw new Error('application bug');
    });
    const inbox = collect(room);
    otherRoom.send('one');
    otherRoom.send('two');
    await until(() => inbox.length === 2, 'both messages');
    expect(errors.map((e) => e.code)).toEqual(['listener-error', 'listener-error']);
    expect(errors[0]!.message).toContain('application bug');
  });
});
