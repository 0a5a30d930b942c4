// A window of API-server trouble for chaos tests: a mix of failing requests plus every watch cut on a period,
// held for a fixed time while the test drives its workload, then lifted. One shape for every host's chaos test,
// so "the faults stopped" means the same moment everywhere and the figures (hits, cuts) are counted alike.
import type { Faults, FaultRule } from './faults.js';

/** About 5 % of requests failing (500, 409 on writes, 429) and one watch in ten hung silently. */
export const CHAOS_FAULT_MIX: readonly FaultRule[] = [
  { error: 500, rate: 0.0167 },
  { error: 409, rate: 0.0167, verb: ['update', 'patch'] },
  { error: 429, rate: 0.0167, retryAfterSeconds: 1 },
  { verb: 'watch', watch: 'hang', rate: 0.1 },
];

/** How long the window lasts and how often it cuts the open watches. */
export interface FaultWindowPlan {
  /** The window's length (real time), counted from its start; the workload may end earlier. */
  readonly durationMs: number;
  /** Period of the watch cutter; cuts alternate between a clean end and a destroyed connection. */
  readonly cutEveryMs: number;
  /** The rules held during the window; default {@link CHAOS_FAULT_MIX}. */
  readonly rules?: readonly FaultRule[];
}

/** What the window did. */
export interface FaultWindowResult {
  /** Requests the rules hit, all rules together. */
  readonly injected: number;
  /** Cutter ticks that found at least one open watch to cut. */
  readonly cuts: number;
}

/**
 * Holds `plan.rules` and the watch cutter on `faults` while `workload` runs and until `plan.durationMs` has
 * passed since the start, then removes them (also when the workload throws) and tells how often they fired.
 * The workload gets the window's end (epoch ms) to pace itself.
 */
export async function withFaultWindow(faults: Faults, plan: FaultWindowPlan, workload: (endsAt: number) => Promise<void>): Promise<FaultWindowResult> {
  if (!(plan.durationMs >= 0) || !(plan.cutEveryMs > 0)) {
    throw new Error(`fault window: durationMs must be >= 0 and cutEveryMs > 0 (got ${plan.durationMs}, ${plan.cutEveryMs})`);
  }
  const injected = (plan.rules ?? CHAOS_FAULT_MIX).map((rule) => faults.inject(rule));
  let cuts = 0;
  const cutter = setInterval(() => {
    cuts += faults.cutWatches({ abrupt: cuts % 2 === 1 }) > 0 ? 1 : 0;
  }, plan.cutEveryMs);
  const endsAt = Date.now() + plan.durationMs;
  try {
    await workload(endsAt);
    const left = endsAt - Date.now();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  } finally {
    clearInterval(cutter);
    for (const fault of injected) fault.remove();
  }
  return { injected: injected.reduce((n, f) => n + f.hits, 0), cuts };
}
