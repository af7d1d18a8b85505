/** Regressions found by reading the hostile-client work cold; each test is named after what broke. */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HubMessage } from '../../src/protocol/index.ts';
import { startHub } from '../helpers/hub.ts';
import { until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const SP_SECRET = 'review-regressions-server-peer-secret';

describe('found in review', () => {
  it('a bad frame from a client while the hub drains does not crash the drain', async () => {
    const t = await startHub();
    const c = await TestClient.connect(t.url);
    await c.join('r');
    const draining = t.hub.drain();
    // A frame with reserved opcode 3 makes the hub's socket emit 'error' while it waits for the close.
    (c.ws as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from([0x83, 0x80, 0, 0, 0, 0]));
    await draining;
    await t.hub.drained;
    await t.hub.close();
  });

  it('a refused upgrade does not leave its socket open for as long as the client likes', async () => {
    const t = await startHub();
    // allowHalfOpen: like a hostile client, it does not close its side when the hub ends its own.
    const socket = connect({ port: t.port, host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n',
    );
    // The client keeps its side open and writes on after the answer: a socket the hub still holds takes it
    // silently; a socket the hub has let go answers the first write with a reset, and the second fails.
    socket.once('end', () => {
      setTimeout(() => socket.write('still here'), 50);
      setTimeout(() => socket.write('and here'), 150);
    });
    await closed;
    expect(answer).toMatch(/^HTTP\/1.1 403/);
    await t.hub.close();
  });

  it('a ghost room that a server peer is also in gives way to a new room', async () => {
    const t = await startHub({ maxRooms: 2, serverPeerSecret: SP_SECRET, resumeGraceMs: 60_000 });
    const server = await TestClient.connect(t.url);
    for (const room of ['g1', 'g2']) {
      const ghost = await TestClient.connect(t.url);
      await ghost.join(room);
      await server.join(room, 'server', { token: SP_SECRET, role: 'server' });
      await ghost.kill();
    }
    await until(() => t.hub.stats().connections === 1, 'the ghosts gone');
    const user = await TestClient.connect(t.url);
    expect((await user.join('new-room')).room).toBe('new-room');
    const left = await server.take((m): m is HubMessage => m.type === 'left', 'the server peer taken out of the ghost room');
    expect(left).toMatchObject({ room: 'g1', reason: 'room-closed' });
    await Promise.all([server.close(), user.close()]);
    await t.hub.close();
  });

  it('guessing the server-peer secret costs the address its joins', async () => {
    const t = await startHub({ serverPeerSecret: SP_SECRET, joinsPerSecondPerAddress: 2, joinBurstPerAddress: 2 });
    const c = await TestClient.connect(t.url, { localAddress: '127.0.0.30' });
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      c.send({ type: 'watch-rooms', token: `guess-${i}`, id: i });
      codes.push((await c.next('error')).code);
    }
    expect(codes.slice(0, 2)).toEqual(['unauthorized', 'unauthorized']);
    expect(codes).toContain('rate-limited');
    await c.close();
    await t.hub.close();
  });
});
