// Keys and JIT blobs built the way GitHub builds them, for the decoder and the fake to agree on.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export function rsaKey(bits = 2048): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: bits });
}

const b64 = (b64url: string): string => Buffer.from(b64url, 'base64url').toString('base64');

/** The runner key as .NET's RSAParametersSerializable writes it. */
export function dotNetRsaParams(key: KeyObject): Record<string, string> {
  const jwk = key.export({ format: 'jwk' });
  return {
    modulus: b64(jwk.n!),
    exponent: b64(jwk.e!),
    d: b64(jwk.d!),
    p: b64(jwk.p!),
    q: b64(jwk.q!),
    dp: b64(jwk.dp!),
    dq: b64(jwk.dq!),
    inverseQ: b64(jwk.qi!),
  };
}

export function encodeJit(files: Record<string, unknown>): string {
  const outer: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) outer[name] = Buffer.from(typeof content === 'string' ? content : JSON.stringify(content)).toString('base64');
  return Buffer.from(JSON.stringify(outer)).toString('base64');
}

export function sampleJit(key: KeyObject, overrides: { runner?: Record<string, unknown>; credentials?: Record<string, unknown> } = {}): string {
  return encodeJit({
    '.runner': { agentId: 42, agentName: 'rg-0', poolId: 1, serverUrl: 'https://pipelines.example/abc', serverUrlV2: 'https://broker.example/', useV2Flow: true, ephemeral: true, ...overrides.runner },
    '.credentials': { scheme: 'OAuth', data: { clientId: 'client-42', authorizationUrl: 'https://token.example/oauth2/token', requireFipsCryptography: 'False', ...overrides.credentials } },
    '.credentials_rsaparams': dotNetRsaParams(key),
  });
}
