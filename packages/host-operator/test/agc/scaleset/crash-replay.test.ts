// Write-ahead replay: the tier is killed mid-run (no session close, no waiting: what SIGKILL leaves) at
// several points, and a new one takes over from the state ConfigMap each time. Every job concludes once at
// GitHub, none is lost, none gets two worker pods, no JIT runner is left registered — in both assignment
// modes. The scale (20 kills over 100 jobs) runs under AG_CHAOS=full (test/chaos/scaleset-crash).
import { describe, expect, it } from 'vitest';
import { scaleSetStateName } from '../../../src/agc/scaleset/state-store.js';
import { runWithCrashes } from './crash-run.js';
import { NAMESPACE, startScaleSetEnv } from './scaleset-env.js';

describe.each(['auto', 'acquire'] as const)('crash and replay in %s mode', (mode) => {
  it('kills the tier three times across 24 jobs: each job concludes exactly once, on one pod', async () => {
    const env = await startScaleSetEnv({ podQuota: 4, scaleSetSessionIdleMs: 300 });
    try {
      // A slow state write widens the window in which a pod ends while a queue message's effect is being
      // stored: a change computed from a stale view of the jobs once stored an older record over a newer one.
      env.server.faults.inject({ verb: 'patch', resource: 'configmaps', latencyMs: 40 });
      const total = 24;
      const figures = await runWithCrashes(env, { mode, total, kills: [3, 9, 16].map((n) => ({ afterConclusions: n, delayMs: 0 })), finishMs: 90_000 });
      expect(figures).toMatchObject({ jobs: total, lost: 0, duplicated: 0, extraPods: 0, leftInState: 0, leakedRunners: 0 });
      for (const job of env.fake.control.jobs()) expect(job).toMatchObject({ state: 'completed', conclusion: 'succeeded', timesAcquired: 1 });
      expect(env.runners.podsByPlan.size).toBeGreaterThanOrEqual(total);
      // The successors replayed state: they found jobs in it and followed pods their predecessor made.
      expect(env.logs.filter((l) => l.msg === 'scale-set state loaded').length).toBeGreaterThan(0);
      expect(env.logs.some((l) => l.msg === 'adopted worker pod finished')).toBe(true);
    } catch (err) {
      if (process.env.SCALESET_DEBUG) {
        console.log(JSON.stringify(env.fake.control.jobs().filter((j) => j.state !== 'completed').map((j) => [j.jobId, j.state, j.scaleSetState, j.timesAcquired])));
        const cm = await env.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
        console.log(JSON.stringify(cm.data));
        console.log(JSON.stringify((await env.port.listPods(NAMESPACE, {})).map((p) => [p.metadata?.name, p.status?.phase])));
        console.log(env.logs.filter((l) => l.level !== 'debug').map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields).slice(0, 300)}`).join('\n'));
      }
      throw err;
    } finally {
      await env.close();
    }
  }, 240_000);
});
