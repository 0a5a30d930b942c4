// The classic must-show scenarios on the scale-set tier, reduced for `pnpm test`: the ceilings in dotcom
// mode and one disruption form in GHES mode. Every scenario in both modes, with 50 jobs, runs under
// AG_CHAOS=full (test/chaos/scaleset-scenarios.test.ts).
import { scaleSetScenarios } from './scenarios.js';

scaleSetScenarios({ mode: 'auto', jobs: 10, throughput: true, room: true, disruptions: false, merits: false, budget: false });
scaleSetScenarios({ mode: 'acquire', jobs: 10, throughput: false, room: false, disruptions: false, merits: true, budget: false });
