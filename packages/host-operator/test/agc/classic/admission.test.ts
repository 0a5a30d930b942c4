// Claim only what fits: a group at its ceiling or a namespace out of quota leaves jobs queued at GitHub (never
// acquired), and they run once room appears. A pod the API server refuses concludes its job as failed.
import { ApiError } from '@actions-gateway/testkit';
import { afterEach, expect, it } from 'vitest';
import { LABELS, NAMESPACE, metricValue, startClassicEnv, waitFor, workerPods, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv;
afterEach(async () => env.close());

const runningPods = async () => (await workerPods(env)).filter((p) => p.phase === 'Running');

it('leaves a job queued at GitHub while the group is at maxWorkers, and runs it once a pod ends', async () => {
  env = await startClassicEnv({ kubelet: { startDelayMs: 0 } }); // pods run until deleted
  const { listener } = await env.startListener({ spec: { maxListeners: 2, maxWorkers: 1 } });
  const first = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS });
  const [pod] = await waitFor(async () => {
    const pods = await runningPods();
    return pods.length === 1 ? pods : undefined;
  }, 'the first job running');
  await waitFor(() => listener.activeLoops() === 2 && listener.activeSessions() === 2, 'a second session (spawned by the acquire)');

  const second = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS });
  // Several admission re-checks later the job is still queued at GitHub: nobody polled it, nobody claimed it.
  await new Promise((r) => setTimeout(r, 800));
  expect(env.fake.control.job(second.requestId)).toMatchObject({ state: 'queued', timesAcquired: 0 });
  expect(env.fake.control.job(first.requestId)?.timesAcquired).toBe(1);
  expect(await workerPods(env)).toHaveLength(1);

  // Room appears: the first pod goes away, and the second job is claimed and run.
  await env.core.deleteNamespacedPod({ namespace: NAMESPACE, name: pod!.name });
  await waitFor(() => env.fake.control.job(second.requestId)?.timesAcquired === 1, 'the second job claimed', 10_000);
  await waitFor(async () => (await runningPods()).length === 1, 'the second job running');
  expect(await metricValue(env.metrics, 'actions_gateway_jobs_acquired_total', { runner_group: 'linux' })).toBe(2);
});

it('leaves a job queued at GitHub while the namespace quota is exhausted, and runs it once the quota grows', async () => {
  env = await startClassicEnv({ kubelet: { startDelayMs: 0 } });
  await env.core.createNamespacedResourceQuota({ namespace: NAMESPACE, body: { metadata: { name: 'pods' }, spec: { hard: { pods: '1' } } } });
  const { listener } = await env.startListener({ spec: { maxListeners: 2 } });
  env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS });
  await waitFor(async () => (await runningPods()).length === 1, 'the first job running');
  await waitFor(() => listener.activeSessions() === 2, 'a second session');

  const second = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS });
  await new Promise((r) => setTimeout(r, 800));
  expect(env.fake.control.job(second.requestId)).toMatchObject({ state: 'queued', timesAcquired: 0 });

  const quota = await env.core.readNamespacedResourceQuota({ namespace: NAMESPACE, name: 'pods' });
  await env.core.replaceNamespacedResourceQuota({ namespace: NAMESPACE, name: 'pods', body: { ...quota, spec: { hard: { pods: '2' } } } });
  await waitFor(async () => (await runningPods()).length === 2, 'the second job running once the quota allows it', 10_000);
  expect(env.fake.control.job(second.requestId)?.timesAcquired).toBe(1);
});

it('concludes a job as failed when the API server refuses its pod, and keeps listening', async () => {
  env = await startClassicEnv();
  let refuse = true;
  env.kube.admission.push({
    name: 'test-policy',
    validate(req) {
      if (refuse && req.operation === 'CREATE' && req.rt.kind === 'Pod') throw new ApiError(422, 'Invalid', `Pod "${req.name}" is invalid: spec.containers[1].image: Required value`);
    },
  });
  const { listener } = await env.startListener();
  const bad = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS });
  await waitFor(() => env.fake.control.job(bad.requestId)?.state === 'completed', 'the refused job concluded');
  expect(env.fake.control.job(bad.requestId)).toMatchObject({ conclusion: 'failed', timesAcquired: 1 });
  expect(await metricValue(env.metrics, 'actions_gateway_job_acquisition_errors_total', { namespace: NAMESPACE, reason: 'other' })).toBe(1);
  expect(env.logger.lines.some((l) => l.includes('can never be created') && l.includes(bad.planId))).toBe(true);

  // The listener survived: its agent was recycled and the next job runs.
  refuse = false;
  const good = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 100 });
  await waitFor(async () => (await workerPods(env)).some((p) => p.name.includes(good.planId.slice(0, 8))), 'the next job\'s pod');
  expect(listener.activeLoops()).toBe(1);
});
