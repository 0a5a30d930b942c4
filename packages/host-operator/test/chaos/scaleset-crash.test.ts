// Chaos (issue 10, must show): SIGKILL of the scale-set tier at 20 random points across a run of 100 jobs, in
// both assignment modes (dotcom auto-assignment and GHES acquirejobs). Every job concludes exactly once,
// none is lost, none runs twice, and no JIT runner registration is left behind. The kill points are seeded
// (the same every run): a conclusion count, then a delay of up to 400 ms, so kills land mid-write, mid-poll,
// mid-provision and mid-replay. Prints one line of figures per mode. Runs only under `AG_CHAOS=full`
// (`pnpm test:chaos`); `pnpm test` runs the reduced form (test/agc/scaleset/crash-replay.test.ts).
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../scripts/seeded-random.js';
import { formatFigures, runWithCrashes, type KillPoint } from '../agc/scaleset/crash-run.js';
import { scaleSetStateName } from '../../src/agc/scaleset/state-store.js';
import { NAMESPACE, startScaleSetEnv } from '../agc/scaleset/scaleset-env.js';

const full = process.env['AG_CHAOS'] === 'full';
const JOBS = 100;
const KILLS = 20;

/** `KILLS` kill points spread over the run: sorted conclusion counts in [1, JOBS - 1], each with a delay. */
function killPoints(seed: number): KillPoint[] {
  const random = seededRandom(seed);
  const points = Array.from({ length: KILLS }, () => ({ afterConclusions: 1 + Math.floor(random() * (JOBS - 1)), delayMs: Math.floor(random() * 400) }));
  return points.sort((a, b) => a.afterConclusions - b.afterConclusions);
}

describe.skipIf(!full).each([
  ['auto', 10],
  ['acquire', 20],
] as const)('scale-set tier SIGKILLed in %s mode', (mode, seed) => {
  it(`${KILLS} kills across ${JOBS} jobs: every job concludes exactly once`, async () => {
    const env = await startScaleSetEnv({ podQuota: 8, scaleSetSessionIdleMs: 300 });
    try {
      env.server.faults.inject({ verb: 'patch', resource: 'configmaps', latencyMs: 20 });
      const figures = await runWithCrashes(env, { mode, total: JOBS, kills: killPoints(seed), finishMs: 240_000, settleMs: 120_000 });
      console.log(formatFigures(`scaleset-crash ${mode}`, figures));
      if (figures.leftInState > 0 || figures.leakedRunners > 0 || figures.lost > 0) {
        const cm = await env.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
        console.log(Object.entries(cm.data ?? {}).filter(([k]) => k.startsWith('job.')).map(([, v]) => v).join('\n'));
        console.log(JSON.stringify((await env.port.listPods(NAMESPACE, {})).filter((p) => p.status?.phase !== 'Succeeded').map((p) => [p.metadata?.name, p.status?.phase])));
        console.log(JSON.stringify(env.fake.control.runners().filter((r) => r.scaleSetId !== null && r.state === 'registered').map((r) => [r.name, r.status, r.busy])));
        const lastOpen = env.logs.map((l) => l.msg).lastIndexOf('scale-set state loaded');
        console.log(env.logs.slice(Math.max(0, lastOpen - 5)).filter((l) => !/took another job|worker pod finished|refused by ResourceQuota/.test(l.msg)).slice(0, 80).map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields).slice(0, 240)}`).join('\n'));
      }
      expect(figures).toMatchObject({ jobs: JOBS, kills: KILLS, lost: 0, duplicated: 0, extraPods: 0, leakedRunners: 0, leftInState: 0 });
      for (const job of env.fake.control.jobs()) expect(job).toMatchObject({ state: 'completed', conclusion: 'succeeded', timesAcquired: 1 });
    } finally {
      await env.close();
    }
  }, 900_000);
});
