// Key, token and JWT helpers built on node:crypto only.
import { createPublicKey, createVerify, generateKeyPair, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';

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
  return rsaPairOf(publicKey, privateKey);
}

/** How a fake makes its JIT runners' keys: see {@link RsaKeyPool}. */
export interface RunnerKeyOptions {
  /** Keys made ahead on libuv's thread pool. */
  readonly ahead: number;
  /**
   * Hand the `ahead` keys out round-robin instead of making a fresh one per runner. Runners then share keys
   * (their client ids still tell them apart); for benchmarks, where the fake's key making would otherwise be
   * what is measured.
   */
  readonly reuse?: boolean;
}

/** Throws a one-line error naming the field when `options` cannot make a pool. */
export function checkRunnerKeyOptions(options: RunnerKeyOptions): void {
  if (!Number.isInteger(options.ahead) || options.ahead < 1) throw new Error(`runnerKeys.ahead must be a positive integer, got ${options.ahead}`);
}

/**
 * RSA-2048 keys for JIT runners, made ahead on libuv's thread pool. A key made on demand blocks the event loop
 * for 70–400 ms, and a fake sharing its process with an API server and a kubelet (the sandbox) or with the
 * client under test (a benchmark) then stalls everything else. `take` hands out a ready key (or makes one on the
 * spot when none is ready) and, unless keys are reused, starts making its replacement.
 */
export class RsaKeyPool {
  readonly #keys: RsaKeyPair[] = [];
  readonly #size: number;
  readonly #reuse: boolean;
  #next = 0;
  #making = 0;
  #closed = false;
  #onFull: Array<() => void> = [];

  constructor(options: RunnerKeyOptions) {
    checkRunnerKeyOptions(options);
    this.#size = options.ahead;
    this.#reuse = options.reuse ?? false;
    this.#refill();
  }

  take(): RsaKeyPair {
    if (this.#reuse && this.#keys.length > 0) return this.#keys[this.#next++ % this.#keys.length]!;
    const key = this.#keys.shift() ?? generateRsa();
    this.#refill();
    return key;
  }

  /** Resolves once every key is made (or the pool is closed). */
  full(): Promise<void> {
    if (this.#closed || this.#keys.length >= this.#size) return Promise.resolve();
    return new Promise((resolve) => this.#onFull.push(resolve));
  }

  /** Stops making keys (one in the making finishes on its thread and is dropped). */
  close(): void {
    this.#closed = true;
    this.#keys.length = 0;
    this.#settle();
  }

  #settle(): void {
    if (!this.#closed && this.#keys.length < this.#size) return;
    for (const resolve of this.#onFull.splice(0)) resolve();
  }

  #refill(): void {
    // Fresh keys one at a time: a spare core makes them while the hosts start, and libuv's four threads stay
    // free for fs and web crypto. A reused set is wanted whole before the measurement starts: all threads.
    const parallel = this.#reuse ? 4 : 1;
    while (!this.#closed && this.#making < parallel && this.#keys.length + this.#making < this.#size) {
      this.#making++;
      generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => {
        this.#making--;
        // A failed make is not retried here: take() falls back to making a key on the spot.
        if (!err && !this.#closed) this.#keys.push(rsaPairOf(publicKey, privateKey));
        if (!err) this.#refill();
        this.#settle();
      });
    }
  }
}

function rsaPairOf(publicKey: KeyObject, privateKey: KeyObject): RsaKeyPair {
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
