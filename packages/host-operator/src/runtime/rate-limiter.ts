/**
 * Work-queue rate limiters in client-go's shape: per-item exponential backoff (5 ms doubling to
 * 1000 s) combined with an overall token bucket (10/s, burst 100); the longer delay wins.
 */
import type { Clock } from './clock.js';

/** Decides how long an item waits before it is retried. */
export interface RateLimiter {
  /** Delay in ms before `key` may be processed again; counts one more failure of `key`. */
  when(key: string): number;
  /** Forgets `key`'s failures (after a success). */
  forget(key: string): void;
  /** Failures of `key` since it was last forgotten. */
  retries(key: string): number;
}

/** Per-item exponential backoff: `baseMs * 2^failures`, capped at `maxMs`. */
export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** An overall token bucket: `qps` tokens a second, up to `burst`; each `when` reserves one token. */
export class TokenBucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;
  constructor(
    private readonly clock: Clock,
    private readonly qps = 10,
    private readonly burst = 100,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`token bucket: need qps > 0 and burst >= 1, got ${qps}, ${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(): void {}

  retries(): number {
    return 0;
  }
}

/** The maximum of several limiters' delays (client-go's MaxOfRateLimiter). */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  retries(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.retries(key)));
  }
}

/** client-go's default controller rate limiter: 5 ms → 1000 s per item, and 10 qps / burst 100 overall. */
export function defaultControllerRateLimiter(clock: Clock): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialRateLimiter(5, 1_000_000), new TokenBucketRateLimiter(clock, 10, 100));
}
