/** Exponential backoff with full jitter, used by informers, the IP-range refresh and leader election retries. */

/** How a backoff grows. */
export interface BackoffOptions {
  /** First delay in ms. */
  readonly initialMs: number;
  /** Cap in ms. */
  readonly maxMs: number;
  /** Growth per failure; 2 when absent. */
  readonly factor?: number;
  /** Fraction of the delay that is randomised (0 = none, 1 = full jitter); 0.2 when absent. */
  readonly jitter?: number;
  /** Random source in [0, 1); injectable for deterministic tests. */
  readonly random?: () => number;
}

/** A stateful backoff: `next()` after each failure, `reset()` after a success. */
export class Backoff {
  private failures = 0;
  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new Error(`backoff: need 0 < initialMs <= maxMs, got ${options.initialMs} and ${options.maxMs}`);
    }
  }

  /** The delay before the next attempt; `atLeastMs` (a server's Retry-After) wins when larger. */
  next(atLeastMs = 0): number {
    const { initialMs, maxMs, factor = 2, jitter = 0.2, random = Math.random } = this.options;
    const base = Math.min(maxMs, initialMs * factor ** this.failures);
    this.failures++;
    const jittered = base * (1 - jitter) + base * jitter * random();
    return Math.max(atLeastMs, Math.round(jittered));
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}

/**
 * Parses an HTTP `Retry-After` value (delta-seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined for a missing or unparseable value.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
