/**
 * HubSocket (src/hub/hub-socket.ts) against a real ws server and client: events reach the handler without
 * listeners, and releaseIdleBuffers() gives back ws's receive array only between frames. ws's receiver
 * internals it relies on are pinned here: if a ws release changes them, this fails rather than the
 * workaround silently doing nothing (or worse).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { HubSocket, type SocketHandler } from '../../src/hub/hub-socket.ts';
import { until } from '../helpers/room-clients.ts';

type Internals = { _receiver: { _buffers: Buffer[] }; _socket: { write(b: Buffer): boolean } };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A ws server using HubSocket, its first accepted socket with a recording handler, and a ws client. */
async function pair() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, WebSocket: HubSocket });
  cleanups.push(() => new Promise((resolve) => wss.close(resolve)));
  await once(wss, 'listening');
  const got: string[] = [];
  const events: string[] = [];
  const handler: SocketHandler = {
    onFrame: (data: RawData) => got.push(String(data)),
    onPong: () => events.push('pong'),
    onClose: (code) => events.push(`close ${code}`),
    onError: (err) => events.push(`error ${err.message}`),
  };
  const accepted = once(wss, 'connection').then(([ws]) => {
    (ws as HubSocket).handler = handler;
    return ws as HubSocket;
  });
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  cleanups.push(() => client.terminate());
  const server = await accepted;
  await once(client, 'open');
  return { server, client, got, events };
}

/** One masked text frame as a client sends it (RFC 6455 §5.2), payload 126..65535 bytes. */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const header = Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, mask, payload.map((byte, i) => byte ^ mask[i % 4]!)]);
}

describe('HubSocket', () => {
  it('hands frames, pongs and the close to its handler, and still emits close for others', async () => {
    const { server, client, got, events } = await pair();
    const closed = once(server, 'close');
    const overheard: string[] = [];
    server.on('message', () => overheard.push('message')).on('pong', () => overheard.push('pong'));
    client.send('one');
    client.pong();
    await until(() => got.length === 1 && events.includes('pong'), 'the frame and the pong');
    client.close(4000);
    await closed;
    expect(got).toEqual(['one']);
    expect(events).toEqual(['pong', 'close 4000']);
    expect(overheard).toEqual([]); // handled, not emitted
  });

  it("takes a protocol error itself (no 'error' listener needed); a socket without a handler emits it", async () => {
    const handled = await pair();
    const closed = once(handled.server, 'close');
    (handled.client as unknown as Internals)._socket.write(Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f])); // unmasked: refused
    await closed;
    expect(handled.events[0]).toMatch(/^error .*MASK/);

    const bare = await pair();
    bare.server.handler = undefined;
    const emitted = once(bare.server, 'error');
    (bare.client as unknown as Internals)._socket.write(Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]));
    const [err] = await emitted;
    expect((err as Error).message).toMatch(/MASK/);
    expect(bare.events).toEqual([]);
  });

  it('gives back the receive array only when empty: a frame split around the release arrives whole', async () => {
    const { server, client, got } = await pair();
    const internals = server as unknown as Internals;
    client.send('first');
    await until(() => got.length === 1, 'the first frame');
    const grown = internals._receiver._buffers;
    expect(grown).toHaveLength(0);
    server.releaseIdleBuffers();
    expect(internals._receiver._buffers).not.toBe(grown); // swapped: ws keeps its chunks there, by that name

    const frame = clientFrame('x'.repeat(300));
    (client as unknown as Internals)._socket.write(frame.subarray(0, 7)); // header and part of the mask
    await until(() => internals._receiver._buffers.length === 1, 'the partial frame buffered');
    const partial = internals._receiver._buffers;
    server.releaseIdleBuffers();
    expect(internals._receiver._buffers).toBe(partial); // a frame in progress is left alone
    (client as unknown as Internals)._socket.write(frame.subarray(7));
    client.send('third');
    await until(() => got.length === 3, 'all three frames');
    expect(got).toEqual(['first', 'x'.repeat(300), 'third']);
  });
});
