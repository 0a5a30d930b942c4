// A JIT config as the runner reads it (broker-protocol §5.2): base64 of `{file: base64(JSON)}` holding `.runner`,
// `.credentials` and `.credentials_rsaparams`. Errors name the file and field.
import { createPrivateKey, type KeyObject } from 'node:crypto';

/** What the stand-in needs of a JIT runner. */
export interface JitRunner {
  readonly agentId: number;
  readonly agentName: string;
  /** The broker (U3): `serverUrlV2`, else `serverUrl`. */
  readonly brokerUrl: string;
  readonly clientId: string;
  /** The OAuth assertion audience. */
  readonly authorizationUrl: string;
  /** Where the token request goes. */
  readonly tokenUrl: string;
  /** The runner's RSA key. Secret. */
  readonly key: KeyObject;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function decode(what: string, b64: unknown): Record<string, unknown> {
  if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/=_\-\s]+$/.test(b64)) throw new Error(`JIT config: ${what} is not base64`);
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(b64, 'base64').toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new Error(`JIT config: ${what} does not decode to JSON`, { cause: e });
  }
  if (!isObj(v)) throw new Error(`JIT config: ${what} is not a JSON object`);
  return v;
}

/** Case-insensitive lookup (the casing of these files is not fixed). */
function prop(o: Record<string, unknown>, name: string): unknown {
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function str(o: Record<string, unknown>, name: string, file: string, required = true): string {
  const v = prop(o, name);
  if (typeof v === 'string' && v !== '') return v;
  if (required) throw new Error(`JIT config: ${file}.${name} is missing`);
  return '';
}

const b64url = (s: string): string => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Decodes an encoded JIT config. */
export function decodeJit(encoded: string): JitRunner {
  const files = decode('the config', encoded.trim());
  const runner = decode('.runner', prop(files, '.runner'));
  const creds = decode('.credentials', prop(files, '.credentials'));
  const rsa = decode('.credentials_rsaparams', prop(files, '.credentials_rsaparams'));
  const data = prop(creds, 'data');
  if (!isObj(data)) throw new Error('JIT config: .credentials.data is missing');
  const agentId = Number(prop(runner, 'agentId'));
  if (!Number.isSafeInteger(agentId) || agentId <= 0) throw new Error('JIT config: .runner.agentId is missing or not a positive integer');
  const brokerUrl = str(runner, 'serverUrlV2', '.runner', false) || str(runner, 'serverUrl', '.runner');
  const authorizationUrl = str(data, 'authorizationUrl', '.credentials.data');
  let key: KeyObject;
  try {
    const f = (n: string): string => b64url(str(rsa, n, '.credentials_rsaparams'));
    key = createPrivateKey({ format: 'jwk', key: { kty: 'RSA', n: f('modulus'), e: f('exponent'), d: f('d'), p: f('p'), q: f('q'), dp: f('dp'), dq: f('dq'), qi: f('inverseQ') } });
  } catch (e) {
    throw new Error(`JIT config: .credentials_rsaparams is not an RSA key (${(e as Error).message})`, { cause: e });
  }
  return {
    agentId, agentName: str(runner, 'agentName', '.runner', false), brokerUrl, clientId: str(data, 'clientId', '.credentials.data'),
    authorizationUrl, tokenUrl: str(data, 'oauthEndpointUrl', '.credentials.data', false) || authorizationUrl, key,
  };
}
