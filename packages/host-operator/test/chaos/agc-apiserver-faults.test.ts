// Chaos: an in-process agc (classic tier) under API-server faults (5 % of requests failing with 500/409/429,
// every watch cut on a period, some watches hung silently) while jobs keep coming; after the faults stop it
// must converge within 2 minutes: every job run exactly once (one acquire, one worker pod), the RunnerGroup
// Ready again with its session. The gmc's twin is gmc-apiserver-faults.test.ts. Prints one figures line.
// `AG_CHAOS=full` (pnpm test:chaos) runs the long form (the 10 s cut period, the production watch
// silence bound); `pnpm test` the reduced one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFaultWindow, type JobView } from '@actions-gateway/testkit';
import type { KubernetesObject } from '@kubernetes/client-node';
import { eventually } from '../agc/host/agc-env.js';
import { startScenario, type Scenario } from '../agc/scenarios/scenario-env.js';

const full = process.env['AG_CHAOS'] === 'full';
const plan = full
  ? { jobs: 60, listeners: 4, faultMs: 60_000, cutEveryMs: 10_000, idleTimeoutMs: undefined }
  : { jobs: 8, listeners: 2, faultMs: 6_000, cutEveryMs: 1_500, idleTimeoutMs: 2_000 };
/** The bound on convergence once the faults stop. */
const CONVERGE_BOUND_MS = 120_000;
const GROUP = 'chaos';

let s: Scenario;
beforeAll(async () => {
  s = await startScenario({
    fakeTimings: { lockTtlMs: 600_000 },
    host: { ...(plan.idleTimeoutMs !== undefined && { informer: { idleTimeoutMs: plan.idleTimeoutMs } }) },
    // Debug lines too: the log written on failure is what there is to read afterwards.
    args: ['--zap-log-level', 'debug'],
  });
  await s.group(GROUP, { maxListeners: plan.listeners, completedPodTTL: '1h' });
}, 60_000);
afterAll(async () => {
  await s?.close();
});

type RunnerGroupObj = KubernetesObject & { status?: { activeSessions?: number; conditions?: { type: string; status: string }[] } };
const runnerGroup = (): RunnerGroupObj | undefined =>
  s.env.server.store.get({ apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'RunnerGroup', namespace: s.env.namespace, name: GROUP });
const groupReady = (): boolean => {
  const rg = runnerGroup();
  return (rg?.status?.activeSessions ?? 0) > 0 && (rg?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
};
const view = (j: JobView): JobView => s.env.github.control.job(j.requestId)!;
const succeeded = (j: JobView): boolean => j.state === 'completed' && j.conclusion === 'succeeded' && j.timesAcquired === 1;

describe(`chaos: agc under API-server faults (${full ? 'full' : 'reduced'})`, () => {
  it('converges within 2 minutes of the faults stopping: every job run once, the group Ready', async () => {
    const jobs: JobView[] = [];
    const { injected, cuts } = await withFaultWindow(s.env.server.faults, { durationMs: plan.faultMs, cutEveryMs: plan.cutEveryMs }, async () => {
      // Jobs arrive all through the fault window.
      for (let i = 0; i < plan.jobs; i++) {
        jobs.push(s.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', GROUP], durationMs: 20 }));
        await new Promise((r) => setTimeout(r, plan.faultMs / plan.jobs));
      }
    });

    const stoppedAt = Date.now();
    await eventually(() => jobs.every((j) => succeeded(view(j))) && groupReady(), 'convergence after the faults stopped', CONVERGE_BOUND_MS).catch((err: unknown) => {
      const states = jobs.map(view).filter((j) => !succeeded(j)).map((j) => `${j.requestId}:${j.state}/${j.conclusion}/acquired=${j.timesAcquired}`);
      const warnings = s.env.logs.filter((l) => /"level":"(warn|error)"/.test(l)).slice(-15);
      const logFile = join(s.env.dir, 'agc.log');
      writeFileSync(logFile, `${s.env.logs.join('\n')}\n`);
      throw new Error(`${String(err)}\nnot done: ${states.join(' ')}\ngroup: ${JSON.stringify(runnerGroup()?.status)}\n${warnings.join('\n')}\n(every log line: ${logFile})`);
    });
    const recoveredMs = Date.now() - stoppedAt;
    const podsPerPlan = new Map<string, number>();
    for (const p of await s.pods(GROUP)) podsPerPlan.set(p.planId, (podsPerPlan.get(p.planId) ?? 0) + 1);
    const views = jobs.map(view);
    const lost = views.filter((j) => !succeeded(j)).length;
    const duplicated = views.filter((j) => j.timesAcquired > 1 || (podsPerPlan.get(j.planId) ?? 0) > 1).length;
    console.log(
      `chaos agc/apiserver: jobs=${jobs.length} faults_injected=${injected} watch_cuts=${cuts} lost=${lost} duplicated=${duplicated} recovered_in=${(recoveredMs / 1000).toFixed(1)}s`,
    );
    expect(injected).toBeGreaterThan(0);
    expect(cuts).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(views.filter((j) => podsPerPlan.get(j.planId) !== 1).map((j) => j.planId), 'jobs without exactly one worker pod').toEqual([]);
  }, CONVERGE_BOUND_MS + plan.faultMs + 60_000);
});
