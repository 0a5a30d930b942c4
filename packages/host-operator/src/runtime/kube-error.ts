/**
 * One shape for every Kubernetes API failure. client-node's typed calls throw `ApiException` (`.code`,
 * `.body` as a raw JSON string for undeclared statuses, `.headers`); its watch reports `.statusCode`;
 * our own transport throws {@link KubeError}. Callers branch on `status`/`reason`, never on messages.
 */

/** A normalised Kubernetes API error. */
export class KubeError extends Error {
  /** HTTP status; 0 when the request never got an answer (network error, abort). */
  readonly status: number;
  /** The Status body's `reason` (`NotFound`, `Conflict`, `AlreadyExists`, `Expired`, …), or '' when unknown. */
  readonly reason: string;
  /** Milliseconds the server asked us to wait (Retry-After), when it did. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, reason: string, message: string, retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeError';
    this.status = status;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

interface StatusBody {
  reason?: string;
  message?: string;
  code?: number;
  details?: { retryAfterSeconds?: number };
}

function parseBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed !== null && typeof parsed === 'object' ? (parsed) : {};
    } catch {
      return { message: body };
    }
  }
  return body !== null && typeof body === 'object' ? (body) : {};
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get(n: string): unknown }).get(name);
    return typeof v === 'string' ? v : undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() === name) return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
  }
  return undefined;
}

const reasonByStatus: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Builds a {@link KubeError} from a status code, a Status body (object or JSON text) and headers. */
export function kubeErrorFrom(status: number, body: unknown, headers?: unknown, cause?: unknown): KubeError {
  const parsed = parseBody(body);
  const retryHeader = header(headers, 'retry-after');
  let retryAfterMs: number | undefined;
  if (retryHeader && /^\d+$/.test(retryHeader.trim())) retryAfterMs = Number(retryHeader.trim()) * 1000;
  else if (parsed.details?.retryAfterSeconds !== undefined) retryAfterMs = parsed.details.retryAfterSeconds * 1000;
  const reason = parsed.reason ?? reasonByStatus[status] ?? '';
  const message = parsed.message ?? `HTTP ${status}${reason ? ` ${reason}` : ''}`;
  return new KubeError(status, reason, message, retryAfterMs, cause === undefined ? undefined : { cause });
}

/** Normalises anything a Kubernetes call may throw into a {@link KubeError}. */
export function toKubeError(err: unknown): KubeError {
  if (err instanceof KubeError) return err;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; headers?: unknown; message?: unknown };
    const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : 0;
    if (status > 0) return kubeErrorFrom(status, e.body, e.headers, err);
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(err);
    return new KubeError(0, '', message, undefined, { cause: err });
  }
  return new KubeError(0, '', String(err));
}

/** True when `err` is a 404. */
export const isNotFound = (err: unknown): boolean => toKubeError(err).status === 404;
/** True when `err` is a 409 (optimistic-concurrency conflict or AlreadyExists). */
export const isConflict = (err: unknown): boolean => toKubeError(err).status === 409;
