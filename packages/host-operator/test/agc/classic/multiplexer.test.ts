// The multiplexer: extra sessions during a burst (up to maxListeners), fan-out deliveries to several sessions
// that still make one pod per job, idle sessions retiring, and the RunnerGroup's deletion cleaning up at GitHub.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LABELS, metricValue, startClassicEnv, waitFor, workerPods, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv;
beforeEach(async () => {
  env = await startClassicEnv();
});
afterEach(async () => env.close());

it('spreads a fanned-out burst over up to maxListeners sessions and makes exactly one pod per job', async () => {
  const { listener } = await env.startListener({ spec: { maxListeners: 3 }, timings: { idleThreshold: 3 } });
  await waitFor(() => listener.activeSessions() === 1, 'the permanent session', 30_000);
  // A slow run service keeps each delivery open a while, so its fan-out siblings reach the other sessions.
  env.fake.control.inject({ method: 'POST', path: '/_run/*/acquirejob', action: { latencyMs: 150 }, always: true });
  const jobs = Array.from({ length: 8 }, () => env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 100, fanout: 3 }));

  await waitFor(async () => (await workerPods(env)).filter((p) => p.phase === 'Succeeded').length >= 8, 'eight finished worker pods', 60_000);
  const pods = await workerPods(env);
  expect(pods).toHaveLength(8);
  expect(new Set(pods.map((p) => p.name)).size).toBe(8);
  for (const job of jobs) {
    const view = env.fake.control.job(job.requestId)!;
    expect(view.timesAcquired).toBe(1);
    expect(pods.filter((p) => p.name.includes(view.planId.slice(0, 8)))).toHaveLength(1);
  }
  // The burst really was multiplexed and fanned out: several sessions, and siblings of one job offered to more than one.
  expect(listener.agents()).toBe(3);
  const sessionIds = new Set(env.fake.control.sessions().map((s) => s.sessionId));
  expect(sessionIds.size).toBeGreaterThan(3);
  const offered = env.fake.control.jobs().map((j) => new Set(j.deliveries.map((d) => d.sessionId)).size);
  expect(Math.max(...offered)).toBeGreaterThan(1);
  expect(await metricValue(env.metrics, 'actions_gateway_job_acquisition_errors_total', { namespace: 'ci', reason: 'already_claimed' })).toBeGreaterThan(0);
  expect(await metricValue(env.metrics, 'actions_gateway_jobs_acquired_total', { runner_group: 'linux' })).toBe(8);

  // Idle extra sessions retire; the permanent one stays.
  await waitFor(() => listener.activeLoops() === 1 && listener.activeSessions() === 1, 'extra sessions to retire', 30_000);
  expect(await metricValue(env.metrics, 'actions_gateway_active_sessions', { runner_group: 'linux' })).toBe(1);
  expect(env.fake.control.sessions().filter((s) => s.status === 'active')).toHaveLength(1);
  // The waits above are conditions with generous bounds for a loaded CI box; the test's own bound covers them all.
}, 150_000);

it('on RunnerGroup deletion deletes its sessions, deregisters its agents and deletes their Secrets', async () => {
  const { listener } = await env.startListener({ spec: { maxListeners: 2 } });
  await waitFor(() => listener.activeSessions() === 1 && listener.agents() === 2, 'a session and two agents', 30_000);
  expect(env.fake.control.runners().filter((r) => r.state === 'registered')).toHaveLength(2);

  await listener.stop('deleted');
  expect(env.fake.control.sessions().filter((s) => s.status === 'active')).toHaveLength(0);
  expect(env.fake.control.runners().filter((r) => r.state === 'registered')).toHaveLength(0);
  const secrets = await env.core.listNamespacedSecret({ namespace: 'ci', labelSelector: 'actions-gateway/runner-group=linux' });
  expect(secrets.items).toHaveLength(0);
  expect(await metricValue(env.metrics, 'actions_gateway_active_sessions', { runner_group: 'linux' })).toBe(0);
  // Stopping again (the finalizer retrying) is harmless.
  await listener.stop('deleted');
}, 60_000);
