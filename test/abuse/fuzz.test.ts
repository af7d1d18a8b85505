/**
 * The short fuzz run (`npm run fuzz` does a million frames): 100,000 generated frames from six connections
 * at a hub in a child process with its rate limits lifted, while a pair in the same room whispers numbered
 * relays. No crash, no hang, no handler failure, nothing lost by the pair, and every kind of bad input
 * reached its refusal. The engine is in scripts/fuzz/; its report is printed.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../scripts/fuzz/engine.ts';
import { nextAction } from '../../scripts/fuzz/frames.ts';
import { Pool, type FuzzWorld, type SessionView } from '../../scripts/fuzz/moves.ts';
import { formatReport } from '../../scripts/fuzz/report.ts';
import { Rng } from '../../scripts/fuzz/rng.ts';

describe('fuzzing a live hub', () => {
  it('takes 100,000 generated frames without a crash while the pair in the same room loses nothing', async () => {
    const report = await runFuzz({ frames: 100_000, connections: 6, seed: 20_260_101, maxSeconds: 150 });
    const text = formatReport(report);
    console.log(`fuzz, 100,000 frames:\n${text}`);

    expect(report.hub.crashed, text).toBe(false);
    expect(report.hub.hung, text).toBe(false);
    expect(report.timedOut, text).toBe(false);
    expect(report.framesSent).toBeGreaterThanOrEqual(100_000);
    expect(report.hub.errorLines, text).toEqual([]);
    expect(report.errors['internal-error'] ?? 0, text).toBe(0);
    expect(report.violations, text).toEqual([]);
    expect(report.hub.finalHealth, text).toMatch(/^ok/);
    expect(report.hub.stop?.code, text).toBe(0);
    for (const side of [report.pair!.aToB, report.pair!.bToA]) {
      expect(side.sent).toBeGreaterThan(0);
      expect({ got: side.inOrder, duplicates: side.duplicates, outOfOrder: side.outOfOrder, problems: side.problems }, text)
        .toEqual({ got: side.sent, duplicates: 0, outOfOrder: 0, problems: [] });
    }
    expect(report.ok, text).toBe(true);

    // The frames reached every refusal the parser and the handlers have, and the whole protocol.
    for (const code of ['bad-json', 'bad-message', 'unknown-type', 'too-deep', 'payload-too-large', 'binary-not-supported',
      'not-in-room', 'already-in-room', 'peer-not-found', 'resume-failed', 'unauthorized']) {
      expect(report.errors[code] ?? 0, code).toBeGreaterThan(0);
    }
    for (const code of ['1007', '1009']) expect(report.closes[code] ?? 0, `close ${code}`).toBeGreaterThan(0);
    for (const type of ['joined', 'left', 'peer-joined', 'peer-left', 'relay', 'signal', 'resumed', 'watching', 'ice-servers', 'room-opened']) {
      expect(report.replies[type] ?? 0, type).toBeGreaterThan(0);
    }
  }, 180_000);

  it('reports a hub that dies mid-run as a crash and keeps the last frames sent', async () => {
    const report = await runFuzz({
      frames: 10_000_000, connections: 2, seed: 1, maxSeconds: 60,
      onHubStarted: (hub) => setTimeout(() => process.kill(hub.pid!, 'SIGKILL'), 1_500),
    });
    expect(report.hub.crashed).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.pair).toBeUndefined();
    expect(report.dumpPath).toBeDefined();
    const lines = readFileSync(report.dumpPath!, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.parse(lines[0]!)).toHaveProperty('kind');
    rmSync(report.dumpPath!);
    expect(existsSync(report.dumpPath!)).toBe(false);
  }, 90_000);

  it('generates the same frames from the same seed', () => {
    const framesOf = (seed: number) => {
      const world: FuzzWorld = {
        rooms: ['r0', 'r1'], peers: new Pool(8), tokens: new Pool(8), serverPeerSecret: 'secret-xxxxxxxxxxxxxxxxxxxxxxxxxx',
        limits: { maxFrameBytes: 65_536, hardMaxFrameBytes: 1_048_576, maxJsonDepth: 32, maxRoomNameLength: 64, maxPeerNameLength: 32 },
      };
      world.peers.add('2a7c0d4e-0f7b-4c55-9d36-7d1c5b3f9e10');
      const self: SessionView = { peerId: 'me', rooms: new Set(['r1']), previous: undefined };
      const rng = new Rng(seed, 3);
      return Array.from({ length: 2_000 }, () => JSON.stringify(nextAction({ rng, world, self })));
    };
    expect(framesOf(7)).toEqual(framesOf(7));
    expect(framesOf(7)).not.toEqual(framesOf(8));
  });
});
