/** ServedRooms: the server peer's rooms follow the hub's events whatever order its joins and leaves land in. */
import { describe, expect, it } from 'vitest';
import { ServedRooms } from '../../src/server-peer/served-rooms.ts';

/** Joins and leaves that land when the test says, each answered in turn. */
function scripted() {
  const calls: string[] = [];
  const pending: { what: string; land: (ok: boolean) => void }[] = [];
  let next = 1;
  const rooms = new ServedRooms<number>({
    join: (name) => new Promise((resolve) => {
      calls.push(`join ${name}`);
      pending.push({ what: `join ${name}`, land: (ok) => resolve(ok ? next++ : undefined) });
    }),
    leave: (name) => new Promise((resolve) => {
      calls.push(`leave ${name}`);
      pending.push({ what: `leave ${name}`, land: () => resolve() });
    }),
  });
  /** Lands the oldest request, then lets the worker take its next step. */
  const land = async (ok = true) => {
    const request = pending.shift();
    if (request === undefined) throw new Error('nothing on its way');
    request.land(ok);
    await new Promise((r) => setTimeout(r, 0));
    return request.what;
  };
  return { rooms, calls, pending, land };
}

describe('ServedRooms', () => {
  it('joins an opened room once, however often it is asked', async () => {
    const { rooms, calls, land } = scripted();
    rooms.want('a');
    rooms.want('a');
    await land();
    rooms.want('a');
    await rooms.idle();
    expect(calls).toEqual(['join a']);
    expect(rooms.names()).toEqual(['a']);
  });

  it('a room that closes while the join is on its way is left when the join lands', async () => {
    const { rooms, calls, land } = scripted();
    rooms.want('a');
    rooms.unwant('a');
    expect(await land()).toBe('join a');
    expect(await land()).toBe('leave a');
    await rooms.idle();
    expect(calls).toEqual(['join a', 'leave a']);
    expect(rooms.names()).toEqual([]);
  });

  it('a room that opens again while the leave is on its way is joined again when the leave lands', async () => {
    const { rooms, calls, land } = scripted();
    rooms.want('a');
    await land();
    rooms.unwant('a');
    rooms.want('a');
    expect(await land()).toBe('leave a');
    expect(await land()).toBe('join a');
    await rooms.idle();
    expect(calls).toEqual(['join a', 'leave a', 'join a']);
    expect(rooms.names()).toEqual(['a']);
  });

  it('closed and opened again while the join is on its way: stays, with one join', async () => {
    const { rooms, calls, land } = scripted();
    rooms.want('a');
    rooms.unwant('a');
    rooms.want('a');
    await land();
    await rooms.idle();
    expect(calls).toEqual(['join a']);
    expect(rooms.names()).toEqual(['a']);
  });

  it('a refused join is not retried by itself, but is once the room is named again meanwhile', async () => {
    const { rooms, calls, land } = scripted();
    rooms.want('a');
    await land(false);
    await rooms.idle();
    expect(rooms.names()).toEqual([]);
    rooms.want('a');
    rooms.want('a'); // restated while the second join is on its way
    await land(false);
    await land(true);
    await rooms.idle();
    expect(calls).toEqual(['join a', 'join a', 'join a']);
    expect(rooms.names()).toEqual(['a']);
  });

  it('room-served: a join refused because another server peer serves the room is tried again only when the hub opens it again', async () => {
    const { rooms, calls, land, pending } = scripted();
    rooms.want('a'); // room-opened
    await land(false); // refused: room-served
    await rooms.idle();
    expect(pending).toEqual([]); // no retry by itself, however long we wait
    expect(rooms.names()).toEqual([]);
    rooms.want('a'); // room-opened again: the serving one left while the room stays open
    expect(await land(true)).toBe('join a');
    await rooms.idle();
    expect(calls).toEqual(['join a', 'join a']);
    expect(rooms.names()).toEqual(['a']);
    rooms.want('b');
    await land(false); // refused: room-served
    rooms.unwant('b'); // room-closed: there is nothing to leave
    await rooms.idle();
    expect(calls).toEqual(['join a', 'join a', 'join b']);
    expect(rooms.names()).toEqual(['a']);
  });

  it('wantOnly serves exactly the named rooms, except those whose wish an event set since', async () => {
    const { rooms, land, pending } = scripted();
    rooms.want('stale');
    rooms.want('kept');
    await land();
    await land();
    rooms.want('closed-since'); // an event newer than the answer below: the answer lists it, it must stay unwanted
    rooms.unwant('closed-since');
    rooms.wantOnly(['kept', 'new', 'closed-since'], new Set(['closed-since']));
    while (pending.length > 0) await land();
    await rooms.idle();
    expect(rooms.names().sort()).toEqual(['kept', 'new']);
  });

  it('forget drops a room without leaving it; adopt takes one over and the wish decides', async () => {
    const { rooms, calls, land, pending } = scripted();
    rooms.want('a');
    rooms.want('c');
    await land();
    await land();
    rooms.forget('a');
    expect(rooms.names()).toEqual(['c']);
    expect(rooms.adopt('c', 99)).toBe(false); // the name is held
    expect(rooms.adopt('b', 99)).toBe(true); // not wanted: left
    while (pending.length > 0) await land();
    await rooms.idle();
    expect(calls).toEqual(['join a', 'join c', 'leave b']);
    expect(rooms.names()).toEqual(['c']);
  });
});
