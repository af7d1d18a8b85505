/** The server peer's history of a room: bounded in messages and in bytes. */
import { describe, expect, it } from 'vitest';
import { RoomHistory } from '../../src/server-peer/room-history.ts';

const item = (data: string | Uint8Array) => ({ from: 'p', at: 0, data });

describe('room history', () => {
  it('keeps the last maxItems', () => {
    const history = new RoomHistory(3, 1_000);
    for (let i = 0; i < 5; i++) history.push(item(`m${i}`));
    expect([...history].map((h) => h.data)).toEqual(['m2', 'm3', 'm4']);
  });

  it('keeps at most maxBytes, strings counted in UTF-8, the oldest going first; a larger item is not kept', () => {
    const history = new RoomHistory(100, 10);
    history.push(item('éé')); // 4 bytes
    history.push(item(new Uint8Array(4)));
    history.push(item('abc')); // 11 bytes in all: the first goes
    expect([...history].map((h) => h.data)).toEqual([new Uint8Array(4), 'abc']);
    expect(history.totalBytes).toBe(7);
    history.push(item(new Uint8Array(11)));
    expect(history.size).toBe(2);
    for (let i = 0; i < 1_000; i++) history.push(item(new Uint8Array(3)));
    expect(history.totalBytes).toBeLessThanOrEqual(10);
    expect(history.size).toBe(3);
  });

  it('keeps nothing with maxItems 0', () => {
    const history = new RoomHistory(0, 10);
    history.push(item('a'));
    expect(history.size).toBe(0);
  });
});
