/** The hub writes `welcome` from a serialised tail kept per limits object: the bytes must be encodeHubMessage's. */
import { describe, expect, it } from 'vitest';
import { welcomeFrame } from '../../src/hub/welcome-frame.ts';
import { encodeHubMessage, PROTOCOL_VERSION, type ClientLimits, type WelcomeMessage } from '../../src/protocol/index.ts';

const limits: ClientLimits = { maxFrameBytes: 65_536, messagesPerSecond: 200, messageBurst: 400, bytesPerSecond: 1_048_576, byteBurst: 2_097_152, maxRoomsPerConnection: 8 };
const welcome = (over: Partial<WelcomeMessage> = {}): WelcomeMessage => ({
  type: 'welcome', protocol: PROTOCOL_VERSION, peerId: '0b6f6f3e-4a8e-4c6b-9d3e-2f1a7c9e5b10', resumeToken: 'AbC-_xyz',
  heartbeatIntervalMs: 5_000, resumeGraceMs: 30_000, limits, ...over,
});

describe('welcomeFrame', () => {
  it('gives the bytes encodeHubMessage gives, for each connection of a hub', () => {
    for (const message of [welcome(), welcome({ peerId: 'another', resumeToken: 'tok"en\\' })]) {
      expect(welcomeFrame(message)).toBe(encodeHubMessage(message));
    }
  });

  it('serialises the options again when the same limits come with other intervals', () => {
    welcomeFrame(welcome());
    const other = welcome({ heartbeatIntervalMs: 1_000, resumeGraceMs: 0 });
    expect(welcomeFrame(other)).toBe(encodeHubMessage(other));
    const otherLimits = welcome({ limits: { ...limits, messageBurst: 1 } });
    expect(welcomeFrame(otherLimits)).toBe(encodeHubMessage(otherLimits));
  });
});
