// The classic must-show scenarios on the scale-set tier, reduced for `pnpm test` (the suite's budget): the
// maxWorkers ceiling in dotcom mode, a reaped pod never re-run in GHES mode. Every scenario in both modes,
// with 50 jobs, runs under AG_CHAOS=full (test/chaos/scaleset-scenarios.test.ts); the quota ceiling, crash
// replay and disruptions have their own tests in this folder.
import { scaleSetScenarios } from './scenarios.js';

const none = { jobs: 0, throughput: false, ceiling: false, tiers: false, disruptions: false, merits: false, reaped: false, budget: false };
scaleSetScenarios({ ...none, mode: 'auto', ceiling: true });
scaleSetScenarios({ ...none, mode: 'acquire', reaped: true });
