/**
 * `roomwire swarm` as a subprocess: a small swarm against a real hub loses and duplicates nothing; against
 * the hub `npm start` runs (with its embedded server peer in every room), in mesh and in star rooms, it
 * says so too: only bots are receivers, and star links are open links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { HubProcess, runSwarm } from '../helpers/hub-process.ts';

let t: TestHub;
beforeAll(async () => { t = await startHub(); });
afterAll(async () => { await t.hub.close(); });

function swarm(args: string[], url = t.url) {
  return runSwarm(url, args);
}

describe('roomwire swarm', () => {
  it('2 rooms x 3 peers for a few seconds: every link open, 0 lost, 0 duplicated, exit 0', async () => {
    const { code, report, stderr } = await swarm(['--rooms', '2', '--peers', '3', '--duration', '3s', '--rate', '4/s', '--size', '200']);
    expect(report.failures, stderr).toEqual([]);
    expect(report.bots).toBe(6);
    expect(report.links).toMatchObject({ total: 6, open: 6 });
    expect(report.messages.sent).toBeGreaterThan(0);
    expect(report.messages.expected).toBe(report.messages.sent * 2);
    expect(report.messages).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0 });
    expect(report.messages.delivered).toBe(report.messages.expected);
    expect(report.messages.deliveryLatencyMs.n).toBe(report.messages.delivered);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 90_000);

  it('reports relay paths with --no-p2p, and still loses nothing', async () => {
    const { code, report } = await swarm(['--rooms', '1', '--peers', '3', '--duration', '2s', '--rate', '5/s', '--no-p2p']);
    expect(report.messages.paths).toEqual({ relay: report.messages.delivered });
    expect(report.links.paths).toEqual({ relay: 6 });
    expect(report.links).toMatchObject({ total: 3, open: 3 }); // relay is the path asked for
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 60_000);
});

describe('roomwire swarm against a hub with a server peer', () => {
  // As `npm start` runs it, with stars past 4 peers so that a small room becomes one.
  let hub: HubProcess;
  beforeAll(async () => {
    hub = await HubProcess.start(['--mesh-limit', '4']);
    await hub.logged('watching rooms');
  });
  afterAll(async () => { expect(await hub.stop()).toBe(0); });
  const servedRooms = (prefix: string) => hub.log.split('\n').filter((l) => l.includes(`"serving ${prefix}-`)).length;

  it('mesh rooms: the server peer is in every room but no receiver; 0 lost, exit 0', async () => {
    const { code, report, stderr } = await swarm(['--rooms', '2', '--peers', '3', '--duration', '3s', '--rate', '4/s', '--room-prefix', 'meshsp'], hub.url);
    expect(servedRooms('meshsp')).toBe(2);
    expect(report.failures, stderr).toEqual([]);
    expect(report.links).toMatchObject({ total: 6, open: 6 });
    expect(report.links.paths).toEqual({ direct: 12 }); // bot-to-bot links only, from both ends
    expect(report.messages.sent).toBeGreaterThan(0);
    expect(report.messages.expected).toBe(report.messages.sent * 2);
    expect(report.messages).toMatchObject({ lost: 0, duplicates: 0 });
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 90_000);

  it('a star room: every link open with path star, every message through the server peer, 0 lost, exit 0', async () => {
    const { code, report, stderr } = await swarm(['--rooms', '1', '--peers', '6', '--duration', '3s', '--rate', '4/s', '--room-prefix', 'starsp'], hub.url);
    expect(servedRooms('starsp')).toBe(1);
    expect(report.failures, stderr).toEqual([]);
    expect(report.links).toMatchObject({ total: 15, open: 15 });
    expect(report.links.openLatencyMs.n).toBe(15);
    expect(report.links.paths).toEqual({ star: 30 });
    expect(report.messages.sent).toBeGreaterThan(0);
    expect(report.messages.expected).toBe(report.messages.sent * 5);
    expect(report.messages).toMatchObject({ lost: 0, duplicates: 0 });
    expect(report.messages.paths.star).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 90_000);
});
