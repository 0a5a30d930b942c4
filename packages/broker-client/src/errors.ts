/**
 * One error type for everything this package throws. `kind` is the discriminant callers switch on; the
 * server's own classification (`errorKind`, `source`, `typeName`) is kept beside it because the status code
 * alone lies (a 403 is not "version too old" unless the broker says so, broker-protocol §11).
 */
export type BrokerErrorKind =
  /** No response headers inside the header deadline, or the overall deadline passed. */
  | 'timeout'
  /** Connection refused, reset, DNS; nothing usable came back. */
  | 'network'
  /** 429. `retryAfterMs` says when the next call may be made. */
  | 'rate_limited'
  /** 5xx, or an edge proxy's text/plain failure. */
  | 'server_error'
  /** 401 that survived the one re-mint-and-retry. */
  | 'unauthorized'
  /** The GitHub App JWT was refused: wrong App id, revoked/expired App key, or a skewed clock. */
  | 'app_key_rejected'
  /** The runner OAuth exchange said `invalid_client`: the runner registration is gone (consumed JIT runner). */
  | 'invalid_client'
  /** 403 without a more specific meaning. */
  | 'forbidden'
  /** `RunnerVersionTooOld` (or GAG's 400-with-version at session create). Never retried. */
  | 'version_too_old'
  /** `RunnerNotFound` / `AgentNotFoundException`: the registration is gone; re-register. */
  | 'runner_not_found'
  /** `RunnerSessionInvalid`, or a bare 404/410 on a session call: re-create the session. */
  | 'session_invalid'
  /** 409 on session create: another session holds this runner / scale set. */
  | 'session_conflict'
  /** `HostedRunnerDeprovisioned`. */
  | 'deprovisioned'
  /** acquirejob 409: another session won the race. Benign. */
  | 'already_claimed'
  /** acquirejob 404: the delivery window passed; GitHub redelivers. */
  | 'delivery_window_expired'
  /** renewjob / completejob 404 or 410: the job is gone; stop. */
  | 'job_not_found'
  /** Other 404. */
  | 'not_found'
  /** Other 409 (a runner name that is taken, `AgentExistsException`). */
  | 'conflict'
  /** 422. */
  | 'unprocessable'
  /** Any other 4xx. */
  | 'bad_request'
  /** A 2xx whose body is not what the protocol says (bad JSON, missing fields). */
  | 'malformed_body'
  /** The connection closed before the announced body arrived. */
  | 'truncated_body'
  /** The body went past the size cap; it was not read further. */
  | 'body_too_large'
  /** Bad input handed to this package (URL, PEM, JIT blob, options); raised at construction. */
  | 'invalid_input'
  /** The caller's AbortSignal fired. */
  | 'aborted';

/** Which service family answered, as far as the body tells (broker-protocol §1.3). */
export type ErrorSource = 'broker' | 'run-service' | 'actions-service' | 'rest' | 'oauth' | 'text' | 'none';

const retriableKinds: ReadonlySet<BrokerErrorKind> = new Set<BrokerErrorKind>([
  'timeout',
  'network',
  'rate_limited',
  'server_error',
  'session_conflict',
  'truncated_body',
  'malformed_body',
]);

/** Fields of a {@link BrokerClientError}. */
export interface BrokerErrorDetails {
  /** The call that failed, e.g. `getMessage`, `acquireJob`, `installationToken`. */
  readonly operation: string;
  readonly status?: number;
  readonly source?: ErrorSource;
  /** The broker's `errorKind` (e.g. `RunnerVersionTooOld`). */
  readonly errorKind?: string;
  /** The Actions Service's exception `typeName`. */
  readonly typeName?: string;
  /** The server's own message, trimmed to 500 characters. */
  readonly serverMessage?: string;
  /** When the server may be called again (429 / 503 with `Retry-After`, else the fallback). */
  readonly retryAfterMs?: number;
  /** `X-GitHub-Request-Id` or `ActivityId`, for support tickets. */
  readonly requestId?: string;
  readonly cause?: unknown;
}

/** The one error class of this package. Switch on `kind`; `retriable` says whether trying again can help. */
export class BrokerClientError extends Error implements BrokerErrorDetails {
  override readonly name = 'BrokerClientError';
  readonly kind: BrokerErrorKind;
  readonly operation: string;
  readonly status?: number;
  readonly source?: ErrorSource;
  readonly errorKind?: string;
  readonly typeName?: string;
  readonly serverMessage?: string;
  readonly retryAfterMs?: number;
  readonly requestId?: string;

  constructor(kind: BrokerErrorKind, message: string, details: BrokerErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.operation = details.operation;
    if (details.status !== undefined) this.status = details.status;
    if (details.source !== undefined) this.source = details.source;
    if (details.errorKind !== undefined) this.errorKind = details.errorKind;
    if (details.typeName !== undefined) this.typeName = details.typeName;
    if (details.serverMessage !== undefined) this.serverMessage = details.serverMessage;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }

  /** Whether the same call may succeed later (after the back-off the caller applies). */
  get retriable(): boolean {
    return retriableKinds.has(this.kind);
  }
}

/** The reasons the seed's metrics use (`job_acquisition_errors_total`, `message_poll_errors_total`). */
export type MetricReason =
  | 'already_claimed'
  | 'delivery_window_expired'
  | 'version_too_old'
  | 'rate_limited'
  | 'timeout'
  | 'other';

/** Maps any thrown value onto the seed's metric `reason` label. */
export function metricReason(error: unknown): MetricReason {
  if (!(error instanceof BrokerClientError)) return 'other';
  switch (error.kind) {
    case 'already_claimed':
    case 'delivery_window_expired':
    case 'version_too_old':
    case 'rate_limited':
    case 'timeout':
      return error.kind;
    default:
      return 'other';
  }
}

/** Narrowing helper: `isBrokerError(e, 'rate_limited')`. */
export function isBrokerError(error: unknown, kind?: BrokerErrorKind): error is BrokerClientError {
  return error instanceof BrokerClientError && (kind === undefined || error.kind === kind);
}

/** Raised for bad input at construction; names the field. */
export function invalidInput(field: string, problem: string, cause?: unknown): BrokerClientError {
  return new BrokerClientError('invalid_input', `${field}: ${problem}`, { operation: 'configure', cause });
}
