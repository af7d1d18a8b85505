/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest-00, as coturn's use-auth-secret implements
 * it): username "<unix-expiry>:<id>", credential base64(HMAC-SHA1(secret, username)). coturn recomputes
 * the credential from the shared secret, and refuses it after the expiry.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../protocol/index.ts';

/** The static-auth-secret shipped in turnserver.conf: a hub started with it would be trivially abused. */
export const TURN_SECRET_PLACEHOLDER = 'REPLACE-WITH-A-LONG-RANDOM-SECRET';

export interface TurnCredentials {
  username: string;
  credential: string;
  /** Unix time (s) after which coturn refuses them. */
  expiresAt: number;
}

export function turnCredentials(secret: string, id: string, ttlSeconds: number, nowMs = Date.now()): TurnCredentials {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

export interface IceServerConfig {
  stunUrls: string[];
  turnUrls: string[];
  turnSecret: string;
  turnTtlSeconds: number;
}

/** The iceServers a peer gets: STUN as configured, and TURN with fresh credentials when a secret is set. */
export function iceServersFor(config: IceServerConfig, peerId: string): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stunUrls.length > 0) servers.push({ urls: [...config.stunUrls] });
  if (config.turnSecret !== '' && config.turnUrls.length > 0) {
    const { username, credential } = turnCredentials(config.turnSecret, peerId, config.turnTtlSeconds);
    servers.push({ urls: [...config.turnUrls], username, credential });
  }
  return servers;
}
