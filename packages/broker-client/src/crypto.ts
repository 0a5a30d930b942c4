import { constants, createDecipheriv, createPrivateKey, privateDecrypt, type KeyObject } from 'node:crypto';
import { BrokerClientError, invalidInput } from './errors.js';

/** The runner key as .NET serialises `RSAParameters` in `.credentials_rsaparams` (base64 big-endian). */
export interface DotNetRsaParameters {
  readonly modulus: string;
  readonly exponent: string;
  readonly d: string;
  readonly p: string;
  readonly q: string;
  readonly dp?: string;
  readonly dq?: string;
  readonly inverseQ?: string;
}

const base64Text = /^[A-Za-z0-9+/_-]+={0,2}$/;

function toBigInt(field: string, value: unknown): bigint {
  if (typeof value !== 'string' || value === '' || !base64Text.test(value.replace(/\s/g, ''))) {
    throw invalidInput(field, 'is missing or not base64');
  }
  const hex = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('hex');
  if (hex === '') throw invalidInput(field, 'decodes to no bytes');
  return BigInt(`0x${hex}`);
}

function toB64Url(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return ((oldS % m) + m) % m;
}

/**
 * Turns .NET RSA parameters into a private KeyObject. The CRT values (dp, dq, inverseQ) are recomputed from
 * d, p and q rather than trusted, and p × q must equal the modulus.
 */
export function rsaParametersToKey(params: Readonly<Record<string, unknown>>, field = '.credentials_rsaparams'): KeyObject {
  const get = (name: string): unknown => {
    const hit = Object.keys(params).find((k) => k.toLowerCase() === name.toLowerCase());
    return hit === undefined ? undefined : params[hit];
  };
  const n = toBigInt(`${field}.modulus`, get('modulus'));
  const e = toBigInt(`${field}.exponent`, get('exponent'));
  const d = toBigInt(`${field}.d`, get('d'));
  const p = toBigInt(`${field}.p`, get('p'));
  const q = toBigInt(`${field}.q`, get('q'));
  if (p * q !== n) throw invalidInput(field, 'p × q does not equal the modulus');
  let qi: bigint;
  try {
    qi = modInverse(q, p);
  } catch (cause) {
    throw invalidInput(field, 'q has no inverse modulo p', cause);
  }
  const jwk = { kty: 'RSA', n: toB64Url(n), e: toB64Url(e), d: toB64Url(d), p: toB64Url(p), q: toB64Url(q), dp: toB64Url(d % (p - 1n)), dq: toB64Url(d % (q - 1n)), qi: toB64Url(qi) };
  try {
    return createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw invalidInput(field, `is not a usable RSA key: ${(cause as Error).message}`, cause);
  }
}

/** A session's `encryptionKey` (broker-protocol §7.1). */
export interface SessionEncryptionKey {
  readonly encrypted: boolean;
  readonly value: string;
}

/** Unwraps the AES-256 session key: RSA-OAEP with SHA-1, or SHA-256 when the session uses FIPS encryption. */
export function unwrapSessionKey(key: SessionEncryptionKey, runnerKey: KeyObject, useFipsEncryption: boolean): Buffer {
  const operation = 'createSession';
  try {
    const raw = Buffer.from(key.value, 'base64');
    const aes = key.encrypted
      ? privateDecrypt({ key: runnerKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: useFipsEncryption ? 'sha256' : 'sha1' }, raw)
      : raw;
    if (aes.length !== 32) throw new Error(`the session key is ${aes.length} bytes, not 32`);
    return aes;
  } catch (cause) {
    throw new BrokerClientError('malformed_body', `${operation}: cannot unwrap the session encryption key: ${(cause as Error).message}`, { operation, cause });
  }
}

const utf8 = new TextDecoder('utf-8'); // drops a leading BOM

/** Decrypts a message body: base64 AES-256-CBC (PKCS#7) with the IV from the envelope's separate `iv` field. */
export function decryptMessageBody(body: string, iv: string | undefined, aesKey: Buffer): string {
  const operation = 'getMessage';
  if (iv === undefined || iv === '') {
    throw new BrokerClientError('malformed_body', `${operation}: the session is encrypted but the message has no "iv"`, { operation });
  }
  try {
    const ivBytes = Buffer.from(iv, 'base64');
    if (ivBytes.length !== 16) throw new Error(`iv is ${ivBytes.length} bytes, not 16`);
    const decipher = createDecipheriv('aes-256-cbc', aesKey, ivBytes);
    return utf8.decode(Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]));
  } catch (cause) {
    throw new BrokerClientError('malformed_body', `${operation}: cannot decrypt the message body: ${(cause as Error).message}`, { operation, cause });
  }
}
