import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from '../../src/hub/replay-buffer.ts';

describe('ReplayBuffer', () => {
  it('numbers frames from 1 and gives back what follows a count', () => {
    const b = new ReplayBuffer(10, 1_000);
    expect(b.lastSeq).toBe(0);
    expect(b.after(0)).toEqual([]);
    for (const f of ['a', 'b', 'c']) b.push(f);
    expect(b.lastSeq).toBe(3);
    expect(b.after(0)).toEqual(['a', 'b', 'c']);
    expect(b.after(2)).toEqual(['c']);
    expect(b.after(3)).toEqual([]);
    expect(b.after(4)).toBeNull(); // more than was sent
  });

  it('forgets confirmed frames, and refuses to replay from before them', () => {
    const b = new ReplayBuffer(10, 1_000);
    for (const f of ['a', 'b', 'c', 'd']) b.push(f);
    b.confirmThrough(2);
    expect(b.length).toBe(2);
    expect(b.after(2)).toEqual(['c', 'd']);
    expect(b.after(1)).toBeNull();
    b.confirmThrough(99);
    expect(b.length).toBe(0);
    expect(b.after(4)).toEqual([]);
    b.push('e');
    expect(b.lastSeq).toBe(5);
    expect(b.after(4)).toEqual(['e']);
  });

  it('drops the oldest past its frame or size bound, and says whether one more fits', () => {
    const b = new ReplayBuffer(3, 10);
    for (const f of ['1', '2', '3']) b.push(f);
    expect(b.fits('4')).toBe(false);
    b.push('4');
    expect(b.after(1)).toEqual(['2', '3', '4']);
    expect(b.after(0)).toBeNull();
    b.push('xxxxxxxx'); // 8 chars: 11 in all is over 10, so '2' goes
    expect(b.after(2)).toEqual(['3', '4', 'xxxxxxxx']);
    expect(b.after(1)).toBeNull();
    b.push('yyyyyyyyy'); // 9 chars: only it fits
    expect(b.after(5)).toEqual(['yyyyyyyyy']);
    expect(b.length).toBe(1);
  });

  it('stays correct across compactions', () => {
    const b = new ReplayBuffer(100, 1e9);
    for (let i = 1; i <= 10_000; i++) {
      b.push(String(i));
      if (i % 7 === 0) b.confirmThrough(i - 5);
    }
    expect(b.lastSeq).toBe(10_000);
    expect(b.after(9_995)).toEqual(['9996', '9997', '9998', '9999', '10000']);
  });
});
