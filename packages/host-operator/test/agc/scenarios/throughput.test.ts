// Must show: 50 jobs queued across two RunnerGroups → 50 pods, 50 conclusions at GitHub, 0 duplicates,
// with fan-out delivery to 3 sessions and without.
import { afterEach, expect, it } from 'vitest';
import { eventually } from '../host/agc-env.js';
import { startScenario, type Scenario } from './scenario-env.js';

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

for (const fanout of [1, 3]) {
  it(`runs 50 jobs across two groups as 50 pods and 50 conclusions, none twice (fan-out ${fanout})`, async () => {
    s = await startScenario();
    const scenario = s;
    await Promise.all([scenario.group('alpha', { maxListeners: 4, completedPodTTL: '1h' }), scenario.group('beta', { maxListeners: 4, completedPodTTL: '1h' })]);
    const jobs = Array.from({ length: 50 }, (_, i) => scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', i % 2 === 0 ? 'alpha' : 'beta'], durationMs: 20, fanout }));
    const done = await eventually(() => {
      const views = scenario.env.github.control.jobs();
      return views.filter((j) => j.state === 'completed').length === 50 && views;
    }, '50 completed jobs', 150_000);
    for (const j of jobs) {
      const view = done.find((v) => v.requestId === j.requestId)!;
      expect(view.conclusion).toBe('succeeded');
      expect(view.timesAcquired).toBe(1);
      if (fanout > 1) expect(view.timesDelivered).toBeGreaterThanOrEqual(1);
    }
    const pods = await scenario.pods();
    expect(pods).toHaveLength(50);
    expect(new Set(pods.map((p) => p.planId)).size).toBe(50);
    expect(new Set(pods.map((p) => p.planId))).toEqual(new Set(jobs.map((j) => j.planId)));
    expect((await scenario.pods('alpha')).length).toBe(25);
    expect(pods.every((p) => p.phase === 'Succeeded')).toBe(true);
    const text = await scenario.metrics();
    expect(text).toContain('actions_gateway_jobs_acquired_total{namespace="team-a",runner_group="alpha"} 25');
    expect(text).toContain('actions_gateway_jobs_acquired_total{namespace="team-a",runner_group="beta"} 25');
    expect(text).toMatch(/actions_gateway_pod_creation_latency_seconds_count\{namespace="team-a"\} 50/);
    expect(text).toMatch(/actions_gateway_job_duration_seconds_count\{namespace="team-a",runner_group="alpha"\} 25/);
    expect(text).toMatch(/actions_gateway_agent_recycles_total\{namespace="team-a",runner_group="alpha",trigger="post_job"\} \d+/);
  }, 180_000);
}
