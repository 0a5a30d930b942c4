// What a real runner does, written with plain fetch and node:crypto only, so the fake is checked against the
// protocol and not against the product's broker client.
import { createPrivateKey, createSign, privateDecrypt, constants, createDecipheriv, randomUUID, type KeyObject } from 'node:crypto';

export interface JitFiles {
  runner: Record<string, unknown>;
  credentials: { scheme: string; data: Record<string, string> };
  rsa: Record<string, string>;
  key: KeyObject;
  keys: string[];
}

const b64url = (b64: string): string => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export function decodeJit(encoded: string): JitFiles {
  const outer = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Record<string, string>;
  const file = (k: string): unknown => JSON.parse(Buffer.from(outer[k]!, 'base64').toString('utf8'));
  const rsa = file('.credentials_rsaparams') as Record<string, string>;
  const key = createPrivateKey({
    format: 'jwk',
    key: { kty: 'RSA', n: b64url(rsa.modulus!), e: b64url(rsa.exponent!), d: b64url(rsa.d!), p: b64url(rsa.p!), q: b64url(rsa.q!), dp: b64url(rsa.dp!), dq: b64url(rsa.dq!), qi: b64url(rsa.inverseQ!) },
  });
  return { runner: file('.runner') as Record<string, unknown>, credentials: file('.credentials') as JitFiles['credentials'], rsa, key, keys: Object.keys(outer) };
}

export function signJwt(claims: Record<string, unknown>, key: KeyObject | string): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}`;
  const s = createSign('RSA-SHA256');
  s.update(input);
  return `${input}.${s.sign(key).toString('base64url')}`;
}

export function assertion(jit: JitFiles, nowMs: number, over: Record<string, unknown> = {}): string {
  const now = Math.floor(nowMs / 1000);
  const clientId = jit.credentials.data.clientId!;
  return signJwt({ iss: clientId, sub: clientId, aud: jit.credentials.data.authorizationUrl, nbf: now, exp: now + 300, jti: randomUUID(), ...over }, jit.key);
}

export async function oauthToken(jit: JitFiles, nowMs: number, over: Record<string, unknown> = {}): Promise<Response> {
  return fetch(jit.credentials.data.authorizationUrl!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion(jit, nowMs, over),
    }),
  });
}

export async function call(method: string, url: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method,
    headers: {
      accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export function appJwt(app: { appId: number; privateKeyPem: string }, nowMs: number, over: Record<string, unknown> = {}): string {
  const now = Math.floor(nowMs / 1000);
  return signJwt({ iat: now - 60, exp: now + 480, iss: String(app.appId), ...over }, app.privateKeyPem);
}

export function decryptBody(wrappedKeyB64: string, key: KeyObject, body: string, ivB64: string): string {
  const aes = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(wrappedKeyB64, 'base64'));
  const d = createDecipheriv('aes-256-cbc', aes, Buffer.from(ivB64, 'base64'));
  return Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]).toString('utf8').replace(/^\uFEFF/, '');
}

/** Waits for a condition driven by the server (never a fixed sleep). */
export async function until<T>(fn: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
