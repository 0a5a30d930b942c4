// A user's cancellation and the reaper's cancel on the classic tier, against the fake GitHub and the testkit API
// server: the JobCancellation arrives on the job's session while the job runs; the pod is deleted stamped
// job_cancelled and classifies `cancelled`; cancelJob completes a held job as cancelled at GitHub.
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LABELS, NAMESPACE, startClassicEnv, waitFor, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv;
// Worker pods stay Pending for a minute: nothing but the AGC ends them.
beforeEach(async () => {
  env = await startClassicEnv({ kubelet: { startDelayMs: 60_000 } });
});
afterEach(async () => env.close());

const finishedLines = (): { outcome?: string; plan_id?: string }[] =>
  env.logger.lines.map((l) => JSON.parse(l) as { msg: string; outcome?: string; plan_id?: string }).filter((l) => l.msg === 'worker pod finished');

it('a JobCancellation for a job the listener holds deletes its pod stamped job_cancelled, and the pod classifies cancelled', async () => {
  await env.startListener({ spec: { maxListeners: 1 } });
  const job = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 600_000 });
  const podName = await waitFor(async () => {
    const pods = await env.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'actions-gateway/runner-group=linux' });
    return pods.items.find((p) => p.metadata?.annotations?.['actions-gateway/plan-id'] === job.planId)?.metadata?.name;
  }, 'the job\'s worker pod', 15_000);
  // The job's session is being polled (Busy) while the job runs.
  await waitFor(() => env.fake.control.requests().some((r) => r.path.endsWith('/message') && r.query.status === 'Busy'), 'a Busy poll on the job\'s session', 10_000);
  // Every version of the pod the API server hands out, from a watch (the stamp lands just before the delete).
  const annotations: Record<string, string>[] = [];
  const watch = await new Watch(env.kube.kubeConfig).watch(`/api/v1/namespaces/${NAMESPACE}/pods`, {}, (_type: string, pod: V1Pod) => {
    if (pod.metadata?.name === podName && pod.metadata.annotations) annotations.push(pod.metadata.annotations);
  }, () => undefined);
  try {
    env.fake.control.cancelRun(job.runId);
    await waitFor(() => finishedLines().some((l) => l.plan_id === job.planId), 'the cancelled job\'s pod finished', 15_000);
  } finally {
    watch.abort();
  }
  expect(finishedLines().find((l) => l.plan_id === job.planId)?.outcome).toBe('cancelled');
  const list = await env.core.listNamespacedPod({ namespace: NAMESPACE });
  expect(list.items.filter((p) => p.metadata?.name === podName)).toEqual([]);
  expect(annotations.some((a) => a['actions-gateway/deletion-reason'] === 'job_cancelled')).toBe(true);
  expect(env.logger.text()).toContain('JobCancellation: the user cancelled the job');
});

it('cancelJob completes a held job as cancelled at GitHub (the reaper\'s stuck-Pending pods), and answers false for a job it does not hold', async () => {
  const { listener } = await env.startListener({ spec: { maxListeners: 1 } });
  const job = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 600_000 });
  const pod = await waitFor(async () => {
    const pods = await env.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'actions-gateway/runner-group=linux' });
    return pods.items.find((p) => p.metadata?.annotations?.['actions-gateway/plan-id'] === job.planId);
  }, 'the job\'s worker pod', 15_000);
  expect(await listener.cancelJob!({ podName: 'nobody', planId: 'not-a-held-plan' })).toBe(false);
  expect(['acquired', 'running']).toContain(env.fake.control.job(job.requestId)?.state);
  expect(await listener.cancelJob!({ podName: pod.metadata?.name ?? '', planId: job.planId })).toBe(true);
  expect(env.fake.control.job(job.requestId)).toMatchObject({ state: 'completed', conclusion: 'canceled' });
});
