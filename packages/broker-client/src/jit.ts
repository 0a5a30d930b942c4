import type { KeyObject } from 'node:crypto';
import { rsaParametersToKey } from './crypto.js';
import { invalidInput } from './errors.js';
import { parseBaseUrl } from './urls.js';

/** `.runner`: the settings that matter to a broker client. */
export interface JitRunnerSettings {
  readonly agentId: number;
  readonly agentName: string;
  readonly poolId?: number;
  /** The broker (U3): `serverUrlV2`, else `serverUrl`. */
  readonly brokerUrl: string;
  readonly serverUrl?: string;
  readonly serverUrlV2?: string;
  readonly gitHubUrl?: string;
  readonly workFolder?: string;
  readonly useV2Flow: boolean;
  readonly ephemeral: boolean;
  readonly disableUpdate: boolean;
}

/** `.credentials`. */
export interface JitCredentials {
  readonly clientId: string;
  /** The assertion audience. */
  readonly authorizationUrl: string;
  /** Where the token request is POSTed; `authorizationUrl` when absent. */
  readonly oauthEndpointUrl: string;
  readonly requireFipsCryptography: boolean;
}

/** A decoded JIT configuration. `privateKey` and the blob are secrets: never log them. */
export interface JitConfig {
  readonly runner: JitRunnerSettings;
  readonly credentials: JitCredentials;
  readonly privateKey: KeyObject;
}

const FIELD = 'encodedJitConfig';

function decodeBase64(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || !/^[A-Za-z0-9+/=_\-\s]+$/.test(value)) throw invalidInput(field, 'is not base64');
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8').replace(/^\uFEFF/, '');
}

function parseObject(field: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (cause) {
    throw invalidInput(field, 'does not decode to JSON', cause);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidInput(field, 'does not decode to a JSON object');
  return v as Record<string, unknown>;
}

/** Case-insensitive property access (the casing of these files on the wire is unconfirmed, broker-protocol §5.2). */
function prop(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

function str(o: Record<string, unknown>, name: string): string | undefined {
  const v = prop(o, name);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(o: Record<string, unknown>, name: string): number | undefined {
  const v = prop(o, name);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

const bool = (o: Record<string, unknown>, name: string): boolean => {
  const v = prop(o, name);
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
};

/**
 * Decodes GitHub's `encoded_jit_config` (base64 of `{filename: base64(file)}`) into runner settings,
 * OAuth credentials and the runner's private key. Throws `invalid_input` naming the file and field at fault.
 */
export function decodeJitConfig(encoded: string): JitConfig {
  const files = parseObject(FIELD, decodeBase64(FIELD, encoded));
  const file = (name: string): Record<string, unknown> => {
    if (!(name in files)) throw invalidInput(FIELD, `has no ${name} file (found: ${Object.keys(files).join(', ') || 'none'})`);
    return parseObject(`${FIELD} ${name}`, decodeBase64(`${FIELD} ${name}`, files[name]));
  };
  const runnerFile = file('.runner');
  const agentId = num(runnerFile, 'agentId');
  if (agentId === undefined || agentId <= 0) throw invalidInput(`${FIELD} .runner.agentId`, 'is missing or not a positive integer');
  const serverUrlV2 = str(runnerFile, 'serverUrlV2');
  const serverUrl = str(runnerFile, 'serverUrl');
  const brokerUrl = serverUrlV2 ?? serverUrl;
  if (brokerUrl === undefined) throw invalidInput(`${FIELD} .runner`, 'has neither serverUrlV2 nor serverUrl');
  parseBaseUrl(brokerUrl, `${FIELD} .runner.serverUrlV2`);
  const poolId = num(runnerFile, 'poolId');
  const runner: JitRunnerSettings = {
    agentId,
    agentName: str(runnerFile, 'agentName') ?? '',
    ...(poolId !== undefined && { poolId }),
    brokerUrl,
    ...(serverUrl !== undefined && { serverUrl }),
    ...(serverUrlV2 !== undefined && { serverUrlV2 }),
    ...(str(runnerFile, 'gitHubUrl') !== undefined && { gitHubUrl: str(runnerFile, 'gitHubUrl')! }),
    ...(str(runnerFile, 'workFolder') !== undefined && { workFolder: str(runnerFile, 'workFolder')! }),
    useV2Flow: bool(runnerFile, 'useV2Flow') || serverUrlV2 !== undefined,
    ephemeral: bool(runnerFile, 'ephemeral'),
    disableUpdate: bool(runnerFile, 'disableUpdate'),
  };
  const credFile = file('.credentials');
  const data = prop(credFile, 'data');
  if (typeof data !== 'object' || data === null) throw invalidInput(`${FIELD} .credentials.data`, 'is missing');
  const d = data as Record<string, unknown>;
  const clientId = str(d, 'clientId');
  if (clientId === undefined) throw invalidInput(`${FIELD} .credentials.data.clientId`, 'is missing');
  const authorizationUrl = str(d, 'authorizationUrl');
  if (authorizationUrl === undefined) throw invalidInput(`${FIELD} .credentials.data.authorizationUrl`, 'is missing');
  parseBaseUrl(authorizationUrl, `${FIELD} .credentials.data.authorizationUrl`);
  const oauthEndpointUrl = str(d, 'oauthEndpointUrl') ?? authorizationUrl;
  parseBaseUrl(oauthEndpointUrl, `${FIELD} .credentials.data.oauthEndpointUrl`);
  const credentials: JitCredentials = { clientId, authorizationUrl, oauthEndpointUrl, requireFipsCryptography: bool(d, 'requireFipsCryptography') };
  const privateKey = rsaParametersToKey(file('.credentials_rsaparams'), `${FIELD} .credentials_rsaparams`);
  return { runner, credentials, privateKey };
}
