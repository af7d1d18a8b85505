/** The pure parts of the admin page and `roomwire admin`: link counting, the API URL, the sparkline, tables. */
import { describe, expect, it } from 'vitest';
import { roomLinkCounts, type RoomView } from '../../src/admin-page/admin-client.ts';
import { chartCaption, sparklinePoints } from '../../src/admin-page/sparkline.ts';
import { apiUrlOf } from '../../src/cli/admin-command.ts';
import { table } from '../../src/cli/admin-tables.ts';
import { UsageError } from '../../src/option-spec.ts';

const member = (peerId: string, links: Record<string, string>) =>
  ({ peerId, name: peerId, role: 'peer', node: 'n', state: 'connected', links }) as RoomView['members'][number];

describe('roomLinkCounts', () => {
  it('counts each link once, by the lower peer id when both ends report, and a one-sided report too', () => {
    const room: RoomView = {
      room: 'r', topology: 'mesh',
      members: [
        member('a', { b: 'direct', c: 'relay' }),
        member('b', { a: 'connecting', c: 'turn' }), // a's report of a-b wins
        member('c', { b: 'turn' }), // c never reported a: a's relay stands alone
      ],
    };
    expect(roomLinkCounts(room)).toEqual({ connecting: 0, direct: 1, turn: 1, relay: 1, star: 0 });
  });
});

describe('apiUrlOf', () => {
  it('maps http(s) and the bots\' ws(s)://host/ws to the admin API, keeping a path prefix', () => {
    expect(apiUrlOf('http://localhost:8080')).toBe('http://localhost:8080/admin/api/');
    expect(apiUrlOf('http://localhost:8080/')).toBe('http://localhost:8080/admin/api/');
    expect(apiUrlOf('ws://hub:9000/ws')).toBe('http://hub:9000/admin/api/');
    expect(apiUrlOf('wss://example.com/roomwire/ws')).toBe('https://example.com/roomwire/admin/api/');
    expect(apiUrlOf('https://example.com/roomwire/')).toBe('https://example.com/roomwire/admin/api/');
    expect(() => apiUrlOf('ftp://example.com')).toThrow(UsageError);
    expect(() => apiUrlOf('localhost:8080')).toThrow(UsageError);
  });
});

describe('sparklinePoints', () => {
  it('puts time on x by timestamp and 0..max (with headroom) on y, in a 300 x 60 box', () => {
    const points = sparklinePoints([{ at: 1_000, value: 0 }, { at: 2_000, value: 10 }, { at: 5_000, value: 5 }]);
    const xy = points.split(' ').map((p) => p.split(',').map(Number));
    expect(xy.map(([x]) => x)).toEqual([0, 75, 300]);
    expect(xy[0]![1]).toBe(60); // zero sits on the bottom
    expect(xy[1]![1]).toBeCloseTo(60 - 60 / 1.15, 0); // the maximum below the top
    expect(xy[2]![1]).toBeGreaterThan(xy[1]![1]!);
  });

  it('draws one sample as a flat line, nothing for none, and captions both', () => {
    expect(sparklinePoints([{ at: 1, value: 3 }]).split(' ')).toHaveLength(2);
    expect(sparklinePoints([])).toBe('');
    expect(chartCaption([])).toBe('no samples yet');
    expect(chartCaption([{ at: 0, value: 2 }, { at: 120_000, value: 7 }], '/s')).toBe('max 7/s · last 2 min');
  });
});

describe('table', () => {
  it('pads columns to the widest cell, without trailing blanks', () => {
    expect(table(['A', 'LONGER'], [['xyz', '1'], ['q', '22']])).toBe('A    LONGER\nxyz  1\nq    22');
  });
});
