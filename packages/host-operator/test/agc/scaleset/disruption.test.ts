// Disruptions on the scale-set tier: a pod lost before its runner took a job gets a new pod (the job never
// ran); a pod evicted while its runner held the job is re-run once GitHub concluded the run; a graceful
// preemption whose runner reported `canceled` before the pod ended is re-run all the same.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { createScaleSetListenerTier } from '../../../src/agc/scaleset/factory.js';
import { NAMESPACE, startScaleSetEnv, waitFor, type ScaleSetEnv } from './scaleset-env.js';

let env: ScaleSetEnv | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && process.env.SCALESET_DEBUG) {
    for (const l of env?.logs ?? []) console.log(l.level, l.msg, JSON.stringify(l.fields).slice(0, 300));
    console.log(JSON.stringify(env?.fake.control.runs()), JSON.stringify(env?.fake.control.jobs().map((j) => [j.requestId, j.state, j.conclusion, j.scaleSetState])));
  }
  await env?.close();
  env = undefined;
});

/** Starts the tier on `e` and queues one job, which the stand-in runner takes and holds. */
async function holdOneJob(e: ScaleSetEnv) {
  e.runners.holdJobs = true;
  e.start(createScaleSetListenerTier({ kubeConfig: e.server.kubeConfig, conflictRetryMs: 100, errorBackoffMs: 50, startGraceMs: 200 }));
  await waitFor('the scale set', () => e.fake.control.scaleSets().length === 1);
  const job = e.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
  await waitFor('the runner to hold the job', () => e.runners.held.length === 1);
  return job;
}

const runningPods = async (e: ScaleSetEnv) => (await e.port.listPods(NAMESPACE, {})).filter((p) => p.status?.phase === 'Running');

it('gives a job a new pod when its pod is evicted before the runner took it; no re-run', async () => {
  env = await startScaleSetEnv({ podQuota: 2 });
  env.runners.enabled = false;
  env.start(createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 100, errorBackoffMs: 50, startGraceMs: 200 }));
  await waitFor('the scale set', () => env!.fake.control.scaleSets().length === 1);
  const job = env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
  await waitFor('a running pod', async () => (await runningPods(env!)).length === 1);
  const [first] = await runningPods(env);
  env.server.kubelet!.evict(NAMESPACE, first!.metadata!.name!);
  await waitFor('a second pod', async () => (await runningPods(env!)).some((p) => p.metadata?.uid !== first!.metadata?.uid));
  env.runners.enabled = true;
  await waitFor('the job to conclude', () => env!.fake.control.job(job.requestId)?.state === 'completed');
  expect(env.fake.control.job(job.requestId)).toMatchObject({ conclusion: 'succeeded', timesAcquired: 1 });
  expect(env.fake.control.runs().find((r) => r.runId === job.runId)).toMatchObject({ attempts: 1, conclusion: 'success' });
  expect(await env.metrics.registry.getSingleMetricAsString('actions_gateway_eviction_retries_total')).not.toMatch(/ 1$/m);
}, 60_000);

it('re-runs a run whose pod was evicted while its runner held the job, once GitHub concluded it', async () => {
  env = await startScaleSetEnv({ podQuota: 2 });
  const job = await holdOneJob(env);
  await waitFor('JobStarted stored', async () => {
    const cm = await env!.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: 'linux-scaleset-state' });
    return Object.values(cm.data ?? {}).some((v) => v.includes('"phase":"started"'));
  });
  const [pod] = await runningPods(env);
  env.server.kubelet!.evict(NAMESPACE, pod!.metadata!.name!);
  // GitHub concludes a job whose runner vanished (lost communication); the re-run is accepted after that.
  await new Promise((r) => setTimeout(r, 500));
  env.runners.holdJobs = false;
  env.fake.control.completeRun(job.runId, 'failed');
  // The re-run queues the failed job again as a new job of the same run; it runs on a new pod and succeeds.
  const rerunJob = () => env!.fake.control.jobs().find((j) => j.runId === job.runId && j.requestId !== job.requestId);
  await waitFor('the re-run job to conclude', () => rerunJob()?.state === 'completed', 30_000);
  expect(rerunJob()).toMatchObject({ conclusion: 'succeeded', timesAcquired: 1 });
  expect(env.fake.control.runs().find((r) => r.runId === job.runId)).toMatchObject({ attempts: 2 });
  expect(env.fake.control.job(job.requestId)).toMatchObject({ state: 'completed', conclusion: 'failed', timesAcquired: 1 });
  expect(await env.metrics.registry.getSingleMetricAsString('actions_gateway_eviction_retries_total')).toContain(`actions_gateway_eviction_retries_total{namespace="${NAMESPACE}",runner_group="linux"} 1`);
}, 60_000);

// Issue 7, window (b): a graceful preemption marks the pod (DisruptionTarget), then deletes it; the runner
// gets SIGTERM and reports its job `canceled`, and that JobCompleted can be stored before the tier sees the
// pod end. A cancel learned after the disruption began is the killed runner's, not a user's: re-run.
it('re-runs a gracefully preempted job whose JobCompleted canceled arrived before its pod ended', async () => {
  env = await startScaleSetEnv({ podQuota: 2 });
  const job = await holdOneJob(env);
  const stored = async (text: string) => Object.values((await env!.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: 'linux-scaleset-state' })).data ?? {}).some((v) => v.includes(text));
  await waitFor('JobStarted stored', () => stored('"phase":"started"'));
  const [pod] = await runningPods(env);
  const name = pod!.metadata!.name!;
  // The scheduler marks the victim first…
  await env.core.patchNamespacedPodStatus(
    { namespace: NAMESPACE, name, body: { status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'preempting', lastTransitionTime: new Date() }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  // …the runner, signalled, reports its job canceled, and the tier stores that before the pod is gone.
  env.runners.holdJobs = false;
  await env.runners.held[0]!.complete('canceled');
  await waitFor('JobCompleted canceled stored', () => stored('"result":"canceled"'));
  expect(env.fake.control.runs().find((r) => r.runId === job.runId)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
  await env.core.deleteNamespacedPod({ namespace: NAMESPACE, name });

  const rerunJob = () => env!.fake.control.jobs().find((j) => j.runId === job.runId && j.requestId !== job.requestId);
  await waitFor('the re-run job to conclude', () => rerunJob()?.state === 'completed', 30_000);
  expect(rerunJob()).toMatchObject({ conclusion: 'succeeded', timesAcquired: 1 });
  expect(env.fake.control.runs().find((r) => r.runId === job.runId)).toMatchObject({ attempts: 2 });
  expect(await env.metrics.registry.getSingleMetricAsString('actions_gateway_eviction_retries_total')).toContain(`actions_gateway_eviction_retries_total{namespace="${NAMESPACE}",runner_group="linux"} 1`);
}, 60_000);
