/**
 * `Authorization: Bearer <token>` checked in constant time: both sides are hashed first, so neither the
 * comparison nor the lengths tell an attacker how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Two secrets compared in constant time, lengths included. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function bearerCheck(token: string): (req: IncomingMessage) => boolean {
  const expected = digest(`Bearer ${token}`);
  return (req) => timingSafeEqual(digest(String(req.headers.authorization ?? '')), expected);
}
