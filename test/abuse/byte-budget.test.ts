/**
 * The byte budget: a room relay costs its size once per receiver. A sender flooding 64 KiB broadcasts into
 * a room of 20 is cut down to what its budget pays for, and the others keep exchanging.
 */
import { describe, expect, it } from 'vitest';
import { startHub } from '../helpers/hub.ts';
import { until } from '../helpers/room-clients.ts';
import { TestClient, connectMany } from '../helpers/test-client.ts';

describe('byte budget', () => {
  it('cuts down a sender flooding 64 KiB broadcasts into a room of 20; a pair in the room exchanges everything', async () => {
    const bytesPerSecond = 1024 * 1024;
    const byteBurst = 2 * 1024 * 1024;
    // The message budget lifted, so only bytes stand in the flooder's way.
    const t = await startHub({ bytesPerSecond, byteBurst, messagesPerSecond: 10_000, messageBurst: 10_000 });
    const members = await connectMany(t.url, 20);
    for (const c of members) await c.join('big', 'm');
    const [flooder, a, b, ...rest] = members as [TestClient, TestClient, TestClient, ...TestClient[]];
    const listener = rest[0]!;

    const data = 'x'.repeat(64 * 1024 - 200); // with the envelope, just under maxFrameBytes (64 KiB)
    const started = Date.now();
    const floods = 100;
    for (let i = 0; i < floods; i++) flooder.send({ type: 'relay', room: 'big', data });
    // Meanwhile a and b whisper numbered relays both ways.
    const pairMessages = 100;
    for (let i = 0; i < pairMessages; i++) {
      a.send({ type: 'relay', to: b.peerId, data: { n: i } });
      b.send({ type: 'relay', to: a.peerId, data: { n: i } });
    }
    await until(() => b.pending('relay').filter((m) => m.from === a.peerId).length === pairMessages &&
      a.pending('relay').filter((m) => m.from === b.peerId).length === pairMessages, 'the pair got every message');
    await until(() => flooder.pending('error').length + countFrom(listener, flooder) >= floods, 'every flood answered');
    const elapsedSeconds = (Date.now() - started) / 1000;

    const refused = flooder.pending('error');
    expect(refused.every((e) => e.code === 'rate-limited' && e.message.startsWith('byte budget'))).toBe(true);
    const delivered = countFrom(listener, flooder);
    // Each broadcast costs ~64 KiB x 19 receivers = ~1.2 MB: the burst pays for one, the rate for ~0.8/s more.
    const affordable = Math.ceil((byteBurst + bytesPerSecond * elapsedSeconds) / (data.length * 19)) + 1;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThanOrEqual(affordable);
    expect(refused.length).toBe(floods - delivered);

    // In order, once each.
    expect(b.pending('relay').filter((m) => m.from === a.peerId).map((m) => (m.data as { n: number }).n)).toEqual([...Array(pairMessages).keys()]);
    expect(a.pending('relay').filter((m) => m.from === b.peerId).map((m) => (m.data as { n: number }).n)).toEqual([...Array(pairMessages).keys()]);
    await Promise.all(members.map((c) => c.close()));
    await t.hub.close();
  }, 30_000);

  it('a whisper costs its size once; the message names the byte budget', async () => {
    const t = await startHub({ bytesPerSecond: 100_000, byteBurst: 1_048_576, maxFrameBytes: 65_536 });
    const [x, y] = await connectMany(t.url, 2);
    await x.join('r');
    await y.join('r');
    const data = 'y'.repeat(60_000);
    for (let i = 0; i < 40; i++) x.send({ type: 'relay', to: y.peerId, data });
    const error = await x.nextError('rate-limited');
    expect(error.message).toMatch(/^byte budget/);
    // the burst (1 MiB) paid for about 17 of them
    await until(() => y.pending('relay').length >= 16, 'the whispers the burst paid for');
    expect(y.pending('relay').length).toBeLessThanOrEqual(20);
    await Promise.all([x.close(), y.close()]);
    await t.hub.close();
  });
});

function countFrom(receiver: TestClient, sender: TestClient): number {
  return receiver.pending('relay').filter((m) => m.from === sender.peerId).length;
}
