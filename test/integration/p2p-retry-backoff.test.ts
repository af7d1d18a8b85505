/**
 * Regression: a P2P attempt that failed before its p2pTimeoutMs left the timeout armed; when it fired during
 * the retry's wait it counted a second failure for the same attempt, doubling the backoff (found while
 * writing the Python peer from docs/protocol.md).
 */
import { describe, expect, it } from 'vitest';
import type { HubMessage } from '../../src/protocol/index.ts';
import { startHub } from '../helpers/hub.ts';
import { connectClient } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

describe('P2P retry backoff', () => {
  it('a failure before the p2p timeout is counted once: the next attempt comes after one backoff step', async () => {
    const t = await startHub();
    // The raw peer must be the polite one (smaller peer id), so that the room client offers and retries.
    const options = { p2pTimeoutMs: 200, p2pRetryMinMs: 2_000, p2pRetryMaxMs: 30_000 };
    let client = await connectClient(t.url, options);
    let polite = await TestClient.connect(t.url);
    for (let i = 0; i < 32 && polite.peerId > client.peerId; i++) {
      await Promise.all([client.close(), polite.close()]);
      [client, polite] = [await connectClient(t.url, options), await TestClient.connect(t.url)];
    }
    expect(polite.peerId < client.peerId).toBe(true);
    await polite.join('retry');
    await client.join('retry');

    // Every offer is answered at once with `lost` for its gen: the attempt fails long before p2pTimeoutMs.
    const offers: { gen: number; at: number }[] = [];
    const isOffer = (m: HubMessage): m is Extract<HubMessage, { type: 'signal' }> =>
      m.type === 'signal' && (m.data as { description?: { type?: string } }).description?.type === 'offer';
    for (let k = 0; k < 2; k++) {
      const offer = await polite.take(isOffer, `offer ${k}`, 10_000);
      const gen = (offer.data as { gen: number }).gen;
      offers.push({ gen, at: Date.now() });
      polite.send({ type: 'signal', to: client.peerId, data: { gen, lost: true } });
    }
    expect(offers.map((o) => o.gen)).toEqual([0, 1]);
    // One failure: the next attempt after 2 s +-20% (1.6-2.4 s). Counted twice it would come 200 ms + 4 s
    // +-20% later (at least 3.4 s).
    expect(offers[1]!.at - offers[0]!.at).toBeLessThan(3_200);
    await client.close();
    await polite.close();
    await t.hub.close();
  }, 30_000);
});
