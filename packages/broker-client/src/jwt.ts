import { randomUUID, sign, type KeyObject } from 'node:crypto';
import { BrokerClientError } from './errors.js';

/** JWT claims, as numbers (seconds) and strings. */
export type JwtClaims = Readonly<Record<string, string | number>>;

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** The JOSE algorithm for a key: RS256 for RSA, EdDSA for Ed25519. */
export function algorithmFor(key: KeyObject): 'RS256' | 'EdDSA' {
  return key.asymmetricKeyType === 'ed25519' ? 'EdDSA' : 'RS256';
}

/** Signs a compact JWS with `{alg, typ:"JWT"}` and no `kid` (the runner token service wants none). */
export function signJwt(claims: JwtClaims, key: KeyObject): string {
  const alg = algorithmFor(key);
  const signingInput = `${b64url(JSON.stringify({ alg, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  const signature = alg === 'EdDSA' ? sign(null, Buffer.from(signingInput), key) : sign('sha256', Buffer.from(signingInput), key);
  return `${signingInput}.${b64url(signature)}`;
}

/** The App JWT: iat = now − 60 s (drift), exp = now + 9 min (GitHub's limit is 10), iss = App id or client id. */
export function createAppJwt(issuer: string, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  return signJwt({ iat: now - 60, exp: now + 9 * 60, iss: issuer }, key);
}

/** The runner OAuth client assertion (broker-protocol §6): no kid, no iat, iss = sub = clientId, aud a string. */
export function createRunnerAssertion(clientId: string, audience: string, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  return signJwt({ sub: clientId, iss: clientId, aud: audience, nbf: now, exp: now + 5 * 60, jti: randomUUID() }, key);
}

/** Reads a JWT's claims without verifying it (we only need our own admin token's `exp`). */
export function decodeJwtClaims(token: string, operation: string): Record<string, unknown> {
  const part = token.split('.')[1];
  try {
    if (part === undefined) throw new Error('not three dot-separated parts');
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null) throw new Error('claims are not an object');
    return claims as Record<string, unknown>;
  } catch (cause) {
    throw new BrokerClientError('malformed_body', `${operation}: the token is not a readable JWT`, { operation, cause });
  }
}
