// Timing knobs (spec §15.3): production-like defaults and a fast profile for tests.

/** Every timer the fake runs, in milliseconds. */
export interface FakeTimings {
  holdMs: number;
  deliveryWindowMs: number;
  lockTtlMs: number;
  unstartedCancelMs: number;
  sessionIdleMs: number;
  installationTokenTtlMs: number;
  registrationTokenTtlMs: number;
  oauthTokenTtlMs: number;
  jobTokenTtlMs: number;
  adminJwtTtlMs: number;
  adminJwtEarlyExpiryMs: number;
  queueTokenTtlMs: number;
  scaleSetSessionIdleMs: number;
}

export type FakeProfile = 'production' | 'fast';

export const PROFILES: Record<FakeProfile, FakeTimings> = {
  production: {
    holdMs: 50_000,
    deliveryWindowMs: 120_000,
    lockTtlMs: 600_000,
    unstartedCancelMs: 900_000,
    sessionIdleMs: 600_000,
    installationTokenTtlMs: 3_600_000,
    registrationTokenTtlMs: 3_600_000,
    oauthTokenTtlMs: 3_600_000,
    jobTokenTtlMs: 6 * 3_600_000,
    adminJwtTtlMs: 3_600_000,
    adminJwtEarlyExpiryMs: 1_000_000,
    queueTokenTtlMs: 3_600_000,
    scaleSetSessionIdleMs: 600_000,
  },
  fast: {
    holdMs: 500,
    deliveryWindowMs: 5_000,
    lockTtlMs: 10_000,
    unstartedCancelMs: 15_000,
    sessionIdleMs: 60_000,
    installationTokenTtlMs: 3_600_000,
    registrationTokenTtlMs: 3_600_000,
    oauthTokenTtlMs: 3_600_000,
    jobTokenTtlMs: 3_600_000,
    adminJwtTtlMs: 3_600_000,
    adminJwtEarlyExpiryMs: 1_000_000,
    queueTokenTtlMs: 3_600_000,
    scaleSetSessionIdleMs: 60_000,
  },
};

/** Variables the fake puts into each acquired job message so a stand-in runner worker knows what to do. */
export const SCRIPT_VARIABLES = {
  durationMs: 'agtest.durationMs',
  conclusion: 'agtest.conclusion',
} as const;
