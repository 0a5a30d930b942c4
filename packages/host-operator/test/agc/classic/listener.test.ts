// The classic tier end to end: a listener registers its agent, opens a session, claims queued jobs, runs each
// in a worker pod (the kubelet simulator ends them) beside the loop, replaces its spent agent after every job
// and polls on.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LABELS, metricValue, startClassicEnv, waitFor, workerPods, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv;
beforeEach(async () => {
  env = await startClassicEnv();
});
afterEach(async () => env.close());

it('claims queued jobs, runs each in a worker pod and replaces the agent after each', async () => {
  const { listener } = await env.startListener({ spec: { maxListeners: 1 } });
  const jobs = [1, 2, 3].map(() => env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 100 }));

  await waitFor(async () => (await workerPods(env)).filter((p) => p.phase === 'Succeeded').length === 3, 'three finished worker pods', 15_000);
  for (const job of jobs) expect(env.fake.control.job(job.requestId)?.timesAcquired).toBe(1);
  expect(await metricValue(env.metrics, 'actions_gateway_jobs_acquired_total', { namespace: 'ci', runner_group: 'linux' })).toBe(3);
  await waitFor(async () => (await metricValue(env.metrics, 'actions_gateway_agent_recycles_total', { trigger: 'post_job' })) === 3, 'three post_job recycles');
  expect(await metricValue(env.metrics, 'actions_gateway_pod_creation_latency_seconds_count')).toBe(3);

  // Steady state: one session open at GitHub, counted by the gauge and by status.
  // (the jobs' own sessions are deleted as their pods end).
  await waitFor(() => listener.activeSessions() === 1, 'a session after the last recycle');
  expect(await metricValue(env.metrics, 'actions_gateway_active_sessions', { namespace: 'ci', runner_group: 'linux' })).toBe(1);
  await waitFor(() => env.fake.control.sessions().filter((s) => s.status === 'active').length === 1, 'the jobs\' sessions deleted');
  expect(listener.conditions()).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'RunnerVersionTooOld', status: 'False', reason: 'VersionAccepted' })]));

  // One claim per job: nothing was acquired twice.
  const acquires = env.fake.control.requests().filter((r) => r.path.endsWith('/acquirejob') && r.status === 200);
  expect(acquires).toHaveLength(3);

  await listener.stop('shutdown');
  expect(listener.activeSessions()).toBe(0);
  expect(await metricValue(env.metrics, 'actions_gateway_active_sessions', { runner_group: 'linux' })).toBe(0);
  expect(env.fake.control.sessions().filter((s) => s.status === 'active')).toHaveLength(0);
  // Shutdown keeps the agent (its Secret survives for the next AGC).
  const secrets = await env.core.listNamespacedSecret({ namespace: 'ci', labelSelector: 'actions-gateway/runner-group=linux' });
  expect(secrets.items.map((s) => s.metadata?.name)).toEqual(['agentpool-linux-0']);
});

it('stages the acquiring agent\'s JIT blob, read from its Secret, in the job Secret of the worker', async () => {
  env.kube.kubelet!.script(() => true, { phase: 'Running' }); // the pod (and its job Secret) stays while we look
  await env.startListener({ spec: { maxListeners: 1 } });
  await waitFor(async () => (await env.core.listNamespacedSecret({ namespace: 'ci', labelSelector: 'actions-gateway/agent-index=0' })).items.length === 1, 'the agent Secret');
  const agentSecret = (await env.core.listNamespacedSecret({ namespace: 'ci', labelSelector: 'actions-gateway/agent-index=0' })).items[0]!;
  env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 60_000 });
  let jobSecret: { data?: Record<string, string> } | undefined;
  await waitFor(async () => {
    jobSecret = (await env.core.listNamespacedSecret({ namespace: 'ci', labelSelector: 'actions-gateway/plan-id' })).items[0];
    return jobSecret !== undefined;
  }, 'the job Secret');
  expect(jobSecret!.data?.['jitconfig']).toBe(agentSecret.data?.['encodedJITConfig']);
});
