/**
 * Minimal reproductions of werift behaviour the client works around, so that a werift upgrade that
 * changes it shows up here (and the workaround can go).
 */
import { RTCPeerConnection } from 'werift';
import { describe, expect, it } from 'vitest';
import { NO_STUN_SERVER, weriftRtc } from '../../src/client/node.ts';

/** The STUN server werift's ICE agent will query (read before gathering starts: no packet is sent). */
async function stunServerOf(pc: unknown): Promise<unknown> {
  (pc as { createDataChannel(label: string): unknown }).createDataChannel('probe');
  await new Promise((r) => setTimeout(r, 10));
  const transports = (pc as { iceTransports?: { connection?: { stunServer?: unknown } }[] }).iceTransports ?? [];
  return transports[0]?.connection?.stunServer;
}

describe('werift 0.25', () => {
  it('falls back to stun.l.google.com when given no STUN server, even with iceServers: [] (so we always give one)', async () => {
    const raw = new RTCPeerConnection({ iceServers: [] });
    expect(await stunServerOf(raw)).toEqual(['stun.l.google.com', 19302]);
    await raw.close();

    const ours = weriftRtc()({ iceServers: [], iceTransportPolicy: 'all' });
    expect(NO_STUN_SERVER.urls).toBe('stun:127.0.0.1:9');
    expect(await stunServerOf(ours)).toEqual(['127.0.0.1', 9]);
    await ours.close();

    const configured = weriftRtc()({ iceServers: [{ urls: 'stun:127.0.0.1:3478' }], iceTransportPolicy: 'all' });
    expect(await stunServerOf(configured)).toEqual(['127.0.0.1', 3478]);
    await configured.close();
  });
});
