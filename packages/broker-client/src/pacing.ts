import { TwoTierBackoff } from './backoff.js';
import { systemClock, type Clock, type Random } from './clock.js';
import { BrokerClientError } from './errors.js';
import { rateLimitFallbackMs } from './retry-after.js';

/** Settings of a {@link CallGate}. */
export interface CallGateOptions {
  readonly clock?: Clock;
  readonly random?: Random;
  /** Least time between the starts of two calls through this gate, whatever the server answers. Default 100 ms. */
  readonly minIntervalMs?: number;
  /** Apply the two-tier error back-off (polls) or only `Retry-After` (control calls). Default true. */
  readonly backoffOnErrors?: boolean;
}

/** Default floor between two polls of one session (broker-protocol §8, §16). */
export const MIN_POLL_INTERVAL_MS = 100;

/**
 * Decides when the next call through it may start. Every poll passes through one, so a server that answers
 * instantly, errors in a burst or sends a 429 storm cannot make the client spin: the floor, `Retry-After`
 * (or 5 s → 5 min when absent) and the two-tier back-off all hold the next call, via the injectable clock.
 */
export class CallGate {
  readonly #clock: Clock;
  readonly #minIntervalMs: number;
  readonly #backoff: TwoTierBackoff;
  readonly #backoffOnErrors: boolean;
  #lastStart = Number.NEGATIVE_INFINITY;
  #notBefore = Number.NEGATIVE_INFINITY;
  #consecutiveRateLimits = 0;

  constructor(options: CallGateOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#minIntervalMs = options.minIntervalMs ?? MIN_POLL_INTERVAL_MS;
    this.#backoff = new TwoTierBackoff(options.random ?? Math.random);
    this.#backoffOnErrors = options.backoffOnErrors ?? true;
  }

  /** Epoch ms before which no call starts. */
  get notBefore(): number {
    return Math.max(this.#lastStart + this.#minIntervalMs, this.#notBefore);
  }

  /** Consecutive errors since the last success (what the host logs / alerts on). */
  get consecutiveErrors(): number {
    return this.#backoff.consecutive;
  }

  /** Waits until a call may start, then marks its start. */
  async enter(signal?: AbortSignal): Promise<void> {
    const wait = this.notBefore - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait, signal);
    this.#lastStart = this.#clock.now();
  }

  /** A call succeeded (including an empty poll): errors and rate limits are forgotten. */
  succeeded(): void {
    this.#backoff.reset();
    this.#consecutiveRateLimits = 0;
  }

  /** A call failed; returns the delay imposed on the next one. */
  failed(error: unknown): number {
    const now = this.#clock.now();
    let delay = 0;
    if (error instanceof BrokerClientError && error.kind === 'rate_limited') {
      this.#consecutiveRateLimits += 1;
      delay = error.retryAfterMs ?? rateLimitFallbackMs(this.#consecutiveRateLimits);
    } else if (error instanceof BrokerClientError && error.kind === 'timeout') {
      delay = 0; // a black-holed poll counts as an empty poll: the floor alone paces it (§10)
    } else {
      if (this.#backoffOnErrors) delay = this.#backoff.next();
      if (error instanceof BrokerClientError && error.retryAfterMs !== undefined) delay = Math.max(delay, error.retryAfterMs);
    }
    this.#notBefore = Math.max(this.#notBefore, now + delay);
    return delay;
  }
}
