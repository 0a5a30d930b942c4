import type { KeyObject } from 'node:crypto';
import { errorFromResponse } from './classify.js';
import type { Clock } from './clock.js';
import { httpSend, readJsonObject, type HttpOptions } from './http.js';
import type { JitCredentials } from './jit.js';
import { createRunnerAssertion } from './jwt.js';

/** A runner OAuth access token for the broker (U3) and acquirejob (U4). */
export interface RunnerAccessToken {
  readonly accessToken: string;
  /** From `expires_in` when the server sends it (epoch ms). */
  readonly expiresAt?: number;
}

/**
 * The runner's client-credentials exchange (broker-protocol §6): a JWT assertion signed with the JIT key,
 * POSTed form-encoded to `oauthEndpointUrl`. `invalid_client` (400/401) becomes kind `invalid_client`.
 */
export async function exchangeRunnerToken(
  credentials: JitCredentials,
  key: KeyObject,
  options: { readonly clock: Clock; readonly http?: HttpOptions; readonly signal?: AbortSignal },
): Promise<RunnerAccessToken> {
  const operation = 'runnerOAuth';
  const assertion = createRunnerAssertion(credentials.clientId, credentials.authorizationUrl, key, options.clock.now());
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
  const res = await httpSend(options.http ?? {}, {
    operation,
    method: 'POST',
    url: credentials.oauthEndpointUrl,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    ...(options.signal && { signal: options.signal }),
  });
  if (res.status !== 200) throw errorFromResponse(operation, 'oauth', res, options.clock.now());
  return readJsonObject(operation, res, (f) => {
    const expiresIn = f.optionalNumber('expires_in');
    return { accessToken: f.string('access_token'), ...(expiresIn !== undefined && { expiresAt: options.clock.now() + expiresIn * 1000 }) };
  });
}
