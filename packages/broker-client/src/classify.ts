import { BrokerClientError, type BrokerErrorKind, type ErrorSource } from './errors.js';
import type { HttpResponse } from './http.js';
import { parseRetryAfter } from './retry-after.js';

/** What the error body says, whichever service family wrote it (broker-protocol §1.3). */
interface ErrorBody {
  readonly source: ErrorSource;
  readonly errorKind?: string;
  readonly typeName?: string;
  readonly message?: string;
  readonly oauthError?: string;
}

function readErrorBody(res: HttpResponse): ErrorBody {
  const text = res.text.trim();
  if (text === '') return { source: 'none' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { source: 'text', message: text };
  }
  if (typeof parsed !== 'object' || parsed === null) return { source: 'text', message: text };
  const o = parsed as Record<string, unknown>;
  const str = (k: string): string | undefined => { const v = o[k]; return typeof v === 'string' ? v : undefined; };
  const src = str('source');
  if (src === 'actions-run-service') return { source: 'run-service', message: str('errorMessage') };
  if (src !== undefined || str('errorKind') !== undefined)
    return { source: 'broker', errorKind: str('errorKind'), message: str('errorMessage') ?? str('message') };
  if (str('typeName') !== undefined) return { source: 'actions-service', typeName: str('typeName'), message: str('message') };
  if (str('error') !== undefined)
    return { source: 'oauth', oauthError: str('error'), message: str('error_description') ?? str('error') };
  return { source: 'rest', message: str('message') ?? text };
}

/** Per-call meaning of the ambiguous statuses. */
export type CallRole = 'rest' | 'appToken' | 'oauth' | 'createSession' | 'poll' | 'acquire' | 'renewOrComplete' | 'admin';

function kindFor(role: CallRole, status: number, body: ErrorBody): BrokerErrorKind {
  // The server's own classification first: never the status alone.
  switch (body.errorKind) {
    case 'RunnerVersionTooOld':
      return 'version_too_old';
    case 'RunnerNotFound':
      return 'runner_not_found';
    case 'RunnerSessionInvalid':
      return 'session_invalid';
    case 'HostedRunnerDeprovisioned':
      return 'deprovisioned';
    case 'AcknowledgeJobNotFound':
      return 'not_found';
  }
  switch (body.typeName) {
    case 'AgentExistsException':
      return 'conflict';
    case 'AgentNotFoundException':
      return 'runner_not_found';
    case 'InvalidTokenException':
      return 'unauthorized';
  }
  if (body.oauthError === 'invalid_client') return 'invalid_client';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (role === 'createSession' && status === 400 && /version|too old|minimum/i.test(body.message ?? '')) {
    return 'version_too_old'; // GAG's variant (broker-protocol §11, §17 #4)
  }
  switch (status) {
    case 401:
      return role === 'appToken' ? 'app_key_rejected' : 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
    case 410:
      if (role === 'acquire' && status === 404) return 'delivery_window_expired';
      if (role === 'renewOrComplete') return 'job_not_found';
      if (role === 'poll') return 'session_invalid';
      return 'not_found';
    case 409:
      if (role === 'acquire') return 'already_claimed';
      if (role === 'createSession') return 'session_conflict';
      return 'conflict';
    case 422:
      return 'unprocessable';
  }
  return 'bad_request';
}

const hints: Partial<Record<BrokerErrorKind, string>> = {
  app_key_rejected:
    'GitHub refused the App JWT: check the App id, that the private key is the App\'s current (not revoked/expired) key, and the clock',
  invalid_client: 'the runner registration no longer exists (a consumed or deleted JIT runner); re-register it',
  version_too_old: 'the advertised runner version is too old for GitHub; upgrade runnerVersion',
};

/** Builds the typed error for a non-success response. */
export function errorFromResponse(operation: string, role: CallRole, res: HttpResponse, nowMs: number): BrokerClientError {
  const body = readErrorBody(res);
  const kind = kindFor(role, res.status, body);
  // Only the server's own value; the pacing gate escalates its fallback across consecutive 429s.
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], nowMs);
  const serverMessage = body.message?.slice(0, 500);
  const requestId = res.headers['x-github-request-id'] ?? res.headers['activityid'];
  const what = hints[kind] ?? kind.replaceAll('_', ' ');
  const message = `${operation}: HTTP ${res.status} (${what})${serverMessage ? `: ${serverMessage}` : ''}`;
  return new BrokerClientError(kind, message, {
    operation,
    status: res.status,
    source: body.source,
    ...(body.errorKind !== undefined && { errorKind: body.errorKind }),
    ...(body.typeName !== undefined && { typeName: body.typeName }),
    ...(serverMessage !== undefined && { serverMessage }),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...(requestId !== undefined && { requestId }),
  });
}
