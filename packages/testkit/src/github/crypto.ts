// Key, token and JWT helpers built on node:crypto only.
import { createPublicKey, createVerify, generateKeyPair, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

export { randomUUID };

/** base64url → standard base64 (the .NET RSAParameters form uses standard base64). */
export function b64urlToB64(s: string): string {
  const b = s.replace(/-/g, '+').replace(/_/g, '/');
  return b + '='.repeat((4 - (b.length % 4)) % 4);
}

export function b64(s: string | Buffer): string {
  return Buffer.from(s).toString('base64');
}

/** An opaque token with a recognisable prefix, as GitHub's tokens have. */
export function opaqueToken(prefix: string): string {
  return prefix + randomBytes(20).toString('hex');
}

export interface RsaKeyPair {
  publicKey: KeyObject;
  privateKeyPkcs1Pem: string;
  /** The .NET `RSAParametersSerializable` JSON (lowercase names, standard base64 of big-endian bytes). */
  rsaParams: Record<string, string>;
}

export function generateRsa(bits = 2048): RsaKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return toRsaKeyPair(publicKey, privateKey);
}

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * `size` distinct 2048-bit keys made on libuv's thread pool (the event loop stays free), handed out round-robin.
 * A registration then costs no key generation: GitHub makes each runner's key on its own machines, so a fake
 * that makes it in the client's process would measure itself, not the client.
 */
export async function rsaKeyPool(size: number): Promise<() => RsaKeyPair> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`runnerKeyPool must be a positive integer, got ${size}`);
  const keys = await Promise.all(
    Array.from({ length: size }, async () => {
      const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
      return toRsaKeyPair(publicKey, privateKey);
    }),
  );
  let next = 0;
  return () => keys[next++ % keys.length]!;
}

function toRsaKeyPair(publicKey: KeyObject, privateKey: KeyObject): RsaKeyPair {
  const jwk = privateKey.export({ format: 'jwk' });
  const f = (k: string | undefined): string => b64urlToB64(k ?? '');
  return {
    publicKey,
    privateKeyPkcs1Pem: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
    rsaParams: {
      modulus: f(jwk.n), exponent: f(jwk.e), d: f(jwk.d), p: f(jwk.p), q: f(jwk.q),
      dp: f(jwk.dp), dq: f(jwk.dq), inverseQ: f(jwk.qi),
    },
  };
}

export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits and parses a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

export function verifyRs256(jwt: DecodedJwt, key: KeyObject): boolean {
  if (jwt.header.alg !== 'RS256') return false;
  const v = createVerify('RSA-SHA256');
  v.update(jwt.signingInput);
  return v.verify(key, jwt.signature);
}

/** An unsigned-looking JWT the fake mints for itself (admin JWTs): clients only read its `exp`. */
export function mintOpaqueJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.${randomBytes(32).toString('base64url')}`;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
