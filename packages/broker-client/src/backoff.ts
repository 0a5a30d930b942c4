import type { Random } from './clock.js';

/** The runner's tiers (one frozen object: every session's back-off shares it). */
const RUNNER_TIERS = Object.freeze({ firstTierErrors: 5, first: Object.freeze([15_000, 30_000] as const), second: Object.freeze([30_000, 60_000] as const) });

/**
 * The runner's two-tier jittered back-off for poll errors: 15–30 s for the first five consecutive errors,
 * 30–60 s after that; any success resets it (broker-protocol §10).
 */
export class TwoTierBackoff {
  #consecutive = 0;

  constructor(
    private readonly random: Random = Math.random,
    private readonly tiers: { readonly firstTierErrors: number; readonly first: readonly [number, number]; readonly second: readonly [number, number] } = RUNNER_TIERS,
  ) {}

  /** Records one more error and returns how long to wait before the next attempt. */
  next(): number {
    this.#consecutive += 1;
    const [low, high] = this.#consecutive <= this.tiers.firstTierErrors ? this.tiers.first : this.tiers.second;
    return low + Math.floor(this.random() * (high - low));
  }

  /** Consecutive errors since the last success. */
  get consecutive(): number {
    return this.#consecutive;
  }

  reset(): void {
    this.#consecutive = 0;
  }
}

/** Doubling back-off between a floor and a cap (the token manager's 5 s → 60 s). */
export class ExponentialBackoff {
  #attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const delay = Math.min(this.initialMs * 2 ** Math.min(this.#attempt, 20), this.maxMs);
    this.#attempt += 1;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
