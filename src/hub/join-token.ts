/**
 * Join tokens: HS256 JWTs naming the room they admit to (`room`, or "*" for any) and optionally the
 * display name the holder gets. Issued by `roomwire token` or by the integrator's own backend.
 */
import { SignJWT, jwtVerify, type JWTVerifyOptions } from 'jose';
import { nameProblem } from '../protocol/index.ts';

export type JoinAuthorization = { ok: true; name?: string } | { ok: false; reason: string };
export type JoinAuthorizer = (room: string, token: string | undefined) => Promise<JoinAuthorization>;

const ALGORITHM = 'HS256';

export interface JoinAuthOptions {
  authSecret: string;
  /** Required `aud` claim, when not empty. */
  authAudience: string;
  /** Required `iss` claim, when not empty. */
  authIssuer: string;
  maxPeerNameLength: number;
}

export function createJoinAuthorizer(o: JoinAuthOptions): JoinAuthorizer {
  if (o.authSecret === '') return async () => ({ ok: true });
  const key = new TextEncoder().encode(o.authSecret);
  // A token without `exp` would admit its holder forever: exp is required, whoever issued the token.
  const verify: JWTVerifyOptions = {
    algorithms: [ALGORITHM],
    requiredClaims: ['exp'],
    ...(o.authAudience === '' ? {} : { audience: o.authAudience }),
    ...(o.authIssuer === '' ? {} : { issuer: o.authIssuer }),
  };
  return async (room, token) => {
    if (token === undefined) return { ok: false, reason: 'this hub requires a join token' };
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key, verify));
    } catch (err) {
      return { ok: false, reason: `the join token is invalid: ${reasonOf(err)}` };
    }
    if (payload.room !== '*' && payload.room !== room) return { ok: false, reason: 'the token is not for this room' };
    if (payload.name === undefined) return { ok: true };
    const problem = nameProblem(payload.name, o.maxPeerNameLength);
    if (problem !== null) return { ok: false, reason: `the token's name ${problem}` };
    return { ok: true, name: payload.name as string };
  };
}

/** jose's error codes name what failed (expired, missing claim, wrong audience) without echoing the token. */
function reasonOf(err: unknown): string {
  const code = (err as { code?: string }).code;
  const claim = (err as { claim?: string }).claim;
  if (code === 'ERR_JWT_EXPIRED') return 'expired';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return `claim ${claim ?? '?'} missing or wrong`;
  return 'bad signature or format';
}

export interface JoinTokenClaims {
  room: string;
  name?: string;
  ttlSeconds: number;
  audience?: string;
  issuer?: string;
}

export async function createJoinToken(secret: string, claims: JoinTokenClaims): Promise<string> {
  const body: Record<string, string> = { room: claims.room };
  if (claims.name !== undefined) body.name = claims.name;
  let jwt = new SignJWT(body)
    .setProtectedHeader({ alg: ALGORITHM })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}
