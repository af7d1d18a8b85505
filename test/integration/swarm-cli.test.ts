/** `roomwire swarm` as a subprocess: a small swarm against a real hub loses and duplicates nothing. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SwarmReport } from '../../src/bots/swarm-stats.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';

const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));
let t: TestHub;
beforeAll(async () => { t = await startHub(); });
afterAll(async () => { await t.hub.close(); });

async function swarm(args: string[]): Promise<{ code: number | null; report: SwarmReport; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'swarm', '--url', t.url, '--json', ...args], { env: { ...process.env, NODE_ENV: 'production' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code, signal] = await once(child, 'exit');
  const last = stdout.trim().split('\n').pop()!;
  if (!last.startsWith('{')) throw new Error(`swarm printed no report (exit ${code}, ${signal}):\n${stdout}\n${stderr}`);
  return { code, report: JSON.parse(last) as SwarmReport, stderr };
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
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 60_000);
});
