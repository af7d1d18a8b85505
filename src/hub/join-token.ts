/**
 * Join tokens: HS256 JWTs naming the room they admit to (`room`, or "*" for any) and optionally the
 * display name the holder gets. Issued by `roomwire token` or by the integrator's own backend.
 */
import { SignJWT, jwtVerify } from 'jose';

export type JoinAuthorization = { ok: true; name?: string } | { ok: false; reason: string };
export type JoinAuthorizer = (room: string, token: string | undefined) => Promise<JoinAuthorization>;

const ALGORITHM = 'HS256';

export function createJoinAuthorizer(secret: string): JoinAuthorizer {
  if (secret === '') return async () => ({ ok: true });
  const key = new TextEncoder().encode(secret);
  return async (room, token) => {
    if (token === undefined) return { ok: false, reason: 'this hub requires a join token' };
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM] });
      if (payload.room !== '*' && payload.room !== room) return { ok: false, reason: 'the token is not for this room' };
      return typeof payload.name === 'string' ? { ok: true, name: payload.name } : { ok: true };
    } catch {
      return { ok: false, reason: 'the join token is invalid or expired' };
    }
  };
}

export interface JoinTokenClaims {
  room: string;
  name?: string;
  ttlSeconds: number;
}

export async function createJoinToken(secret: string, claims: JoinTokenClaims): Promise<string> {
  const body: Record<string, string> = { room: claims.room };
  if (claims.name !== undefined) body.name = claims.name;
  return new SignJWT(body)
    .setProtectedHeader({ alg: ALGORITHM })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
