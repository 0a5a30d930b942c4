import { constants, createCipheriv, publicEncrypt, randomBytes, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BrokerClientError, decodeJitConfig, decryptMessageBody, rsaParametersToKey, unwrapSessionKey } from '../src/index.js';
import { dotNetRsaParams, encodeJit, rsaKey, sampleJit } from './support/keys.js';

describe('JIT config decoding', () => {
  const { privateKey, publicKey } = rsaKey();

  it('reads runner settings, credentials and a usable key', () => {
    const jit = decodeJitConfig(sampleJit(privateKey));
    expect(jit.runner).toMatchObject({ agentId: 42, agentName: 'rg-0', brokerUrl: 'https://broker.example/', useV2Flow: true, ephemeral: true });
    expect(jit.credentials).toEqual({ clientId: 'client-42', authorizationUrl: 'https://token.example/oauth2/token', oauthEndpointUrl: 'https://token.example/oauth2/token', requireFipsCryptography: false });
    const sig = sign('sha256', Buffer.from('x'), jit.privateKey);
    expect(verify('sha256', Buffer.from('x'), publicKey, sig)).toBe(true);
  });

  it('falls back to serverUrl, prefers oauthEndpointUrl, and reads keys case-insensitively', () => {
    const blob = encodeJit({
      '.runner': { AgentId: '7', ServerUrl: 'https://pipelines.example/x' },
      '.credentials': { Data: { ClientId: 'c', AuthorizationUrl: 'https://a.example/', oauthEndpointUrl: 'https://o.example/' } },
      '.credentials_rsaparams': dotNetRsaParams(privateKey),
    });
    const jit = decodeJitConfig(blob);
    expect(jit.runner.agentId).toBe(7);
    expect(jit.runner.brokerUrl).toBe('https://pipelines.example/x');
    expect(jit.credentials.oauthEndpointUrl).toBe('https://o.example/');
    expect(jit.credentials.authorizationUrl).toBe('https://a.example/');
  });

  it('recomputes the CRT values instead of trusting them', () => {
    const params = { ...dotNetRsaParams(privateKey), dp: Buffer.from([1, 2, 3]).toString('base64'), inverseQ: Buffer.from([9]).toString('base64') };
    const key = rsaParametersToKey(params);
    expect(verify('sha256', Buffer.from('y'), publicKey, sign('sha256', Buffer.from('y'), key))).toBe(true);
  });

  const good = dotNetRsaParams(privateKey);
  const other = dotNetRsaParams(rsaKey().privateKey);
  it.each([
    ['not base64', '%%%', /encodedJitConfig: is not base64/],
    ['not JSON', Buffer.from('hello').toString('base64'), /encodedJitConfig: does not decode to JSON/],
    ['a JSON array', Buffer.from('[1]').toString('base64'), /does not decode to a JSON object/],
    ['no .runner', encodeJit({ '.credentials': {} }), /has no .runner file \(found: .credentials\)/],
    ['a .runner without agentId', encodeJit({ '.runner': { serverUrlV2: 'https://b/' } }), /\.runner\.agentId: is missing/],
    ['a .runner without a broker', encodeJit({ '.runner': { agentId: 1 } }), /has neither serverUrlV2 nor serverUrl/],
    [
      'credentials without clientId',
      encodeJit({ '.runner': { agentId: 1, serverUrlV2: 'https://b/' }, '.credentials': { data: { authorizationUrl: 'https://a/' } }, '.credentials_rsaparams': good }),
      /\.credentials\.data\.clientId: is missing/,
    ],
    [
      'mismatched RSA primes',
      encodeJit({ '.runner': { agentId: 1, serverUrlV2: 'https://b/' }, '.credentials': { data: { clientId: 'c', authorizationUrl: 'https://a/' } }, '.credentials_rsaparams': { ...good, p: other.p } }),
      /p × q does not equal the modulus/,
    ],
    [
      'an RSA modulus that is not base64',
      encodeJit({ '.runner': { agentId: 1, serverUrlV2: 'https://b/' }, '.credentials': { data: { clientId: 'c', authorizationUrl: 'https://a/' } }, '.credentials_rsaparams': { ...good, modulus: '**' } }),
      /\.credentials_rsaparams\.modulus: is missing or not base64/,
    ],
  ])('rejects a blob with %s, naming what is wrong', (_, blob, message) => {
    expect(() => decodeJitConfig(blob)).toThrow(BrokerClientError);
    expect(() => decodeJitConfig(blob)).toThrow(message);
  });
});

describe('message decryption', () => {
  const { privateKey, publicKey } = rsaKey();
  const aes = randomBytes(32);
  const iv = randomBytes(16);
  const plaintext = '\uFEFF{"runner_request_id":"9"}';
  const cipher = createCipheriv('aes-256-cbc', aes, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');

  it.each([['SHA-1', false, 'sha1'], ['SHA-256 (FIPS)', true, 'sha256']] as const)('unwraps the session key with RSA-OAEP %s and decrypts with the separate iv, BOM stripped', (_, fips, hash) => {
    const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, aes).toString('base64');
    const key = unwrapSessionKey({ encrypted: true, value: wrapped }, privateKey, fips);
    expect(decryptMessageBody(body, iv.toString('base64'), key)).toBe('{"runner_request_id":"9"}');
  });

  it('accepts an unencrypted key and rejects a missing or wrong iv as a typed error', () => {
    const key = unwrapSessionKey({ encrypted: false, value: aes.toString('base64') }, privateKey, false);
    expect(() => decryptMessageBody(body, undefined, key)).toThrow(/has no "iv"/);
    expect(() => decryptMessageBody(body, randomBytes(8).toString('base64'), key)).toThrow(/iv is 8 bytes/);
    // The IV comes from the envelope, not from the body's first block (GAG's decryptor got this wrong).
    const prefixed = Buffer.concat([iv, Buffer.from(body, 'base64')]).toString('base64');
    let out: string | undefined;
    try {
      out = decryptMessageBody(prefixed, iv.toString('base64'), key);
    } catch (error) {
      expect(error).toBeInstanceOf(BrokerClientError);
    }
    expect(out).not.toBe('{"runner_request_id":"9"}');
  });
});
