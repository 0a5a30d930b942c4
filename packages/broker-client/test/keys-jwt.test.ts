import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BrokerClientError, createAppJwt, createRunnerAssertion, decodeJwtClaims, GitHubAppAuth, loadPrivateKey } from '../src/index.js';
import { rsaKey } from './support/keys.js';

function verifyJwt(jwt: string, key: ReturnType<typeof createPublicKey>): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, c, s] = jwt.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const ok = verify(header.alg === 'EdDSA' ? null : 'sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url'));
  expect(ok).toBe(true);
  return { header, claims: decodeJwtClaims(jwt, 'test') };
}

describe('App JWT', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const { privateKey } = rsaKey();
  const pkcs1 = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
  const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

  it.each([['PKCS#1', pkcs1], ['PKCS#8', pkcs8], ['PKCS#8 with escaped newlines', pkcs8.replaceAll('\n', '\\n')]])('signs RS256 from a %s PEM', (_, pem) => {
    const jwt = createAppJwt('12345', loadPrivateKey(pem), now);
    const { header, claims } = verifyJwt(jwt, createPublicKey(privateKey));
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(claims).toEqual({ iat: now / 1000 - 60, exp: now / 1000 + 540, iss: '12345' });
  });

  it('signs EdDSA with an Ed25519 key', () => {
    const ed = generateKeyPairSync('ed25519');
    const jwt = createAppJwt('Iv1.abc', loadPrivateKey(ed.privateKey.export({ format: 'pem', type: 'pkcs8' })), now);
    expect(verifyJwt(jwt, ed.publicKey).header.alg).toBe('EdDSA');
  });

  it('builds the runner assertion: no kid, no iat, iss = sub, aud a string, 5 min, uuid jti', () => {
    const jwt = createRunnerAssertion('client-1', 'https://token.example/t', privateKey, now);
    const { header, claims } = verifyJwt(jwt, createPublicKey(privateKey));
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(claims).toMatchObject({ iss: 'client-1', sub: 'client-1', aud: 'https://token.example/t', nbf: now / 1000, exp: now / 1000 + 300 });
    expect(claims).not.toHaveProperty('iat');
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
  const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
  const pub = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }) as string;
  const encrypted = privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }) as string;
  const corrupt = pkcs8.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
  it.each([
    ['garbage', 'hello', /privateKey: not a PEM private key/],
    ['a certificate', cert, /PEM block "CERTIFICATE" is not a private key/],
    ['a public key', pub, /PEM block "PUBLIC KEY" is not a private key/],
    ['an encrypted key', encrypted, /the PEM is encrypted/],
    ['a 1024-bit key', small, /RSA key of 1024 bits is too small/],
    ['a corrupt body', corrupt, /the "PRIVATE KEY" PEM does not decode/],
  ])('rejects %s at construction, naming the problem', (_, pem, message) => {
    const attempt = (): unknown => new GitHubAppAuth({ appId: 1, privateKey: pem }, 'https://api.github.com');
    expect(attempt).toThrow(BrokerClientError);
    expect(attempt).toThrow(message);
  });

  it('rejects an App id that is not one', () => {
    expect(() => new GitHubAppAuth({ appId: 'has space', privateKey: pkcs8 }, 'https://api.github.com')).toThrow(/appId: "has space" is not an App id/);
  });
});
