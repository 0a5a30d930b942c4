/**
 * Turns whatever client-node throws into core's `KubernetesApiError`, carrying the API's Status message,
 * so core's `isQuotaExceeded` (403 "exceeded quota") and `isConflict` (409) recognise refusals.
 */
import { KubernetesApiError } from '@actions-gateway/core';
import { Backoff } from '../../runtime/backoff.js';
import { toKubeError } from '../../runtime/kube-error.js';

/** Normalises a Kubernetes client failure into a {@link KubernetesApiError}. */
export function toKubernetesApiError(err: unknown): KubernetesApiError {
  if (err instanceof KubernetesApiError) return err;
  const e = toKubeError(err);
  return new KubernetesApiError(e.status, e.message, e.reason || undefined);
}

/** Runs a Kubernetes call, rejecting with a {@link KubernetesApiError}. */
export async function kubeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toKubernetesApiError(err);
  }
}

/** Runs a call whose 404 means "absent": resolves `undefined` then. */
export async function orAbsent<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await kubeCall(call);
  } catch (err) {
    if ((err as KubernetesApiError).statusCode === 404) return undefined;
    throw err;
  }
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How {@link kubeRetry} retries. */
export interface KubeRetryOptions {
  /** Calls in all, the first included (6 when absent). */
  readonly attempts?: number;
  /** The first pause; each next one doubles, up to `maxDelayMs` (200 ms and 2 s when absent). */
  readonly delayMs?: number;
  readonly maxDelayMs?: number;
  /** How a pause is taken (a real timer when absent; tests record the pauses instead). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Failures an API server gives for a moment and then not: no answer (connection lost), throttled (429),
 * overloaded or timed out (500, 502, 503, 504). Anything else is an answer about the request itself.
 */
export function isTransientKubeError(err: unknown): boolean {
  const status = toKubeError(err).status;
  if (status === 0) return isNetworkError(err);
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** A socket-level failure (`ECONNRESET`, `ECONNREFUSED`, undici's `UND_ERR_*`, …), here or as a cause. */
function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if ((typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) || name === 'FetchError') return true;
  }
  return false;
}

/**
 * Runs a Kubernetes call, retrying transient failures ({@link isTransientKubeError}) with a doubling pause,
 * at least as long as the server's Retry-After; rejects with a {@link KubernetesApiError} once the attempts
 * are spent or at the first other failure. A moment of API-server trouble must not fail a user's job.
 * `onRetryConflict` answers a 409 met on a retry of a create: the failed attempt may have landed after all.
 */
export async function kubeRetry<T>(call: () => Promise<T>, options: KubeRetryOptions = {}, onRetryConflict?: () => Promise<T | undefined>): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 6);
  const initialMs = options.delayMs ?? 200;
  const backoff = new Backoff({ initialMs, maxMs: Math.max(initialMs, options.maxDelayMs ?? 2_000), jitter: 0 });
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt > 1 && onRetryConflict && toKubeError(err).status === 409) {
        const landed = await kubeCall(onRetryConflict);
        if (landed !== undefined) return landed;
      }
      if (attempt >= attempts || !isTransientKubeError(err)) throw toKubernetesApiError(err);
      await (options.sleep ?? realSleep)(backoff.next(toKubeError(err).retryAfterMs ?? 0));
    }
  }
}
