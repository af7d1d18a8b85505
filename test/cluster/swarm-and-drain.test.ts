/**
 * Three hubs on one Redis behind HAProxy, as in production:
 * - `roomwire swarm` through the load balancer (its bots land on every hub): 0 lost, 0 duplicated;
 * - a hub drained (admin API) while a peer of another hub streams numbered frames to one of its clients:
 *   the client reconnects through the load balancer, resumes on another hub, and the drained hub hands over
 *   what it had not had confirmed, so even at the hub level (raw frames, no room client resending) every
 *   frame arrives exactly once, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubCluster } from '../helpers/hub-cluster.ts';
import { runSwarm } from '../helpers/hub-process.ts';
import { TestClient } from '../helpers/test-client.ts';

const ADMIN_TOKEN = 'cluster-admin-token-for-tests-0123456789';
let cluster: HubCluster;

beforeAll(async () => {
  cluster = await HubCluster.start({
    hubs: 3,
    loadBalancer: true,
    hubArgs: ['--no-server-peer', '--admin-token', ADMIN_TOKEN, '--drain-timeout-ms', '5000', '--messages-per-second', '2000', '--message-burst', '4000'],
  });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

function swarm(args: string[]) {
  return runSwarm(cluster.url, args);
}

describe('roomwire swarm through the load balancer against three hubs', () => {
  it('P2P: every link open, 0 lost, 0 duplicated', async () => {
    const { code, report, stderr } = await swarm(['--rooms', '3', '--peers', '3', '--duration', '3s', '--rate', '4/s']);
    expect(report.failures, stderr).toEqual([]);
    expect(report.links).toMatchObject({ total: 9, open: 9 });
    expect(report.messages).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0 });
    expect(report.messages.delivered).toBe(report.messages.expected);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 90_000);

  it('hub relay (--no-p2p), so every message crosses hubs through Redis: 0 lost, 0 duplicated', async () => {
    const { code, report, stderr } = await swarm(['--rooms', '2', '--peers', '4', '--duration', '3s', '--rate', '10/s', '--no-p2p']);
    expect(report.failures, stderr).toEqual([]);
    expect(report.messages.paths).toEqual({ relay: report.messages.delivered });
    expect(report.messages).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0 });
    expect(report.messages.delivered).toBe(report.messages.expected);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 90_000);
});

describe('drain behind the load balancer', () => {
  it('the drained hub hands its sessions over: every frame once, in order, at the hub level', async () => {
    const [hubA, hubB] = cluster.hubs;
    const receiver = await TestClient.connect(hubA!.url);
    const sender = await TestClient.connect(hubB!.url);
    await receiver.join('drain');
    await sender.join('drain');
    await receiver.next('peer-joined');
    const TOTAL = 400;
    let sent = 0;
    const pump = setInterval(() => {
      for (let k = 0; k < 4 && sent < TOTAL; k++, sent++) sender.send({ type: 'relay', to: receiver.peerId, data: sent });
    }, 5);
    while (sent < TOTAL / 4) await new Promise((r) => setTimeout(r, 5));
    const drained = await fetch(`${hubA!.httpUrl}/admin/api/drain`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(drained.status).toBeLessThan(300);
    const { code } = await receiver.closed;
    expect(code).toBe(1001);
    // Back through the load balancer, as a room client reconnects: until its checks take the draining hub
    // out of rotation (it answers /readyz and upgrades with 503), an attempt may land there and be refused.
    let resumed: Awaited<ReturnType<typeof TestClient.resume>> | undefined;
    for (let attempt = 0; resumed === undefined; attempt++) {
      resumed = await TestClient.resume(cluster.url, receiver).catch((err: Error) => {
        if (attempt >= 20) throw err;
        return undefined;
      });
      if (resumed === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    const { client: back, answer } = resumed;
    expect(answer).toMatchObject({ type: 'resumed', peerId: receiver.peerId });
    while (sent < TOTAL) await new Promise((r) => setTimeout(r, 5));
    clearInterval(pump);
    const got = (m: { type: string }[]) => m.filter((x): x is { type: 'relay'; data: number } => x.type === 'relay').map((x) => x.data);
    const deadline = Date.now() + 15_000;
    while (got(receiver.log).length + got(back.log).length < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect([...got(receiver.log), ...got(back.log)]).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    expect(sender.pending('peer-left')).toEqual([]);
    await Promise.all([back.close(), sender.close()]);
  }, 60_000);
});
