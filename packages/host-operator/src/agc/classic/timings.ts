/**
 * The classic tier's timings and thresholds, in one place so tests (and operators embedding the tier) can
 * shrink them. Defaults follow the seed (gag-system §4.4–4.5) except where DESIGN §3 changes behaviour.
 */
import { RENEW_INTERVAL_MS } from '@actions-gateway/core';

/** Every wait and threshold of the classic tier. */
export interface ClassicTierTimings {
  /** Pause before a failed permanent session restarts; doubles on consecutive failures. Default 1 s. */
  readonly restartDelayMs: number;
  /** Cap of the doubling restart pause. Default 60 s. */
  readonly maxRestartDelayMs: number;
  /** Consecutive empty polls after which an extra (non-permanent) session retires. Default 50 (about 42 min). */
  readonly idleThreshold: number;
  /** With no room for a job, re-check admission after this long (a job of the group ending wakes it earlier). Default 10 s. */
  readonly admissionRecheckMs: number;
  /** Sustained 429s for this long set `RateLimited=True`. Default 10 min. */
  readonly rateLimitedAfterMs: number;
  /** Empty 200 polls in a row (the consumed-JIT signature) that make a session heal. Default 3. */
  readonly consumedEmptyPolls: number;
  /** After GitHub refuses the runner version, wait this long before trying a session again. Default 10 min. */
  readonly versionRetryMs: number;
  /** Bound on the OAuth exchange, session create and acquirejob. Default 30 s. */
  readonly controlPlaneTimeoutMs: number;
  /** Bound on the best-effort session delete. Default 10 s. */
  readonly sessionCloseTimeoutMs: number;
  /** Floor between two polls of one session (broker-client's pacing). Default 100 ms. */
  readonly minPollIntervalMs: number;
  /** Between two renewals of a claimed job's lock (GitHub's lock lasts ~10 min). Default 60 s (core's `RENEW_INTERVAL_MS`). */
  readonly renewIntervalMs: number;
  /** Response-header deadline of a poll (broker-client default 60 s). */
  readonly pollHeadersTimeoutMs?: number;
  /** Overall deadline of a poll (broker-client default 100 s). */
  readonly pollDeadlineMs?: number;
}

/** The production timings. */
export const DEFAULT_CLASSIC_TIMINGS: ClassicTierTimings = {
  restartDelayMs: 1_000,
  maxRestartDelayMs: 60_000,
  idleThreshold: 50,
  admissionRecheckMs: 10_000,
  rateLimitedAfterMs: 600_000,
  consumedEmptyPolls: 3,
  versionRetryMs: 600_000,
  controlPlaneTimeoutMs: 30_000,
  sessionCloseTimeoutMs: 10_000,
  minPollIntervalMs: 100,
  renewIntervalMs: RENEW_INTERVAL_MS,
};
