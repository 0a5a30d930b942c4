// The classic tier's must-show scenarios on the scale-set tier (issue 10), in full: 50 jobs, ceilings and
// priority tiers, eviction / preemption / drain re-runs, the re-run budget, and the never-re-run cases, in
// both assignment modes. Runs only under `AG_CHAOS=full` (`pnpm test:chaos`); `pnpm test` runs a reduced
// selection (test/agc/scaleset/scenarios.test.ts).
import { describe } from 'vitest';
import { scaleSetScenarios } from '../agc/scaleset/scenarios.js';

const full = process.env['AG_CHAOS'] === 'full';

describe.runIf(full)('scale-set tier scenarios (AG_CHAOS=full)', () => {
  for (const mode of ['auto', 'acquire'] as const) scaleSetScenarios({ mode, jobs: 50, throughput: true, ceiling: true, tiers: true, disruptions: true, merits: true, reaped: true, budget: true });
});
