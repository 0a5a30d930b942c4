// The RunnerGroup controller inside an in-process agc, against the testkit API server and the fake GitHub,
// with a recording listener tier: finalizer, listener lifecycle, status and conditions, Ready Events,
// missing tiers, the reaper, orphaned disrupted pods, and deletion.
import { AGENT_POOL_FINALIZER, ANNOTATION_PLAN_ID, ANNOTATION_REPOSITORY, ANNOTATION_RUN_ID, Labels, type RunnerGroupStatus } from '@actions-gateway/core';
import { EventsV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAgc, type AgcProcess } from '../../../src/agc/main.js';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from './agc-env.js';
import { recordingTier } from './test-tier.js';

let env: AgcEnv;
let agc: AgcProcess | undefined;
const rgApi = { group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups' };

beforeEach(async () => {
  env = await startAgcEnv({ kubelet: { startDelayMs: 3_600_000 } });
});
afterEach(async () => {
  await agc?.shutdown();
  agc = undefined;
  await env.close();
});

async function start(tiers: Parameters<typeof startAgc>[2] extends infer O ? (O extends { tiers?: infer T } ? T : never) : never): Promise<AgcProcess> {
  const started = await startAgc(env.args(), env.env(), { tiers, clock: env.clock, logDestination: env.logStream });
  if ('help' in started) throw new Error('unexpected help');
  agc = started;
  return started;
}

type Rg = { metadata: { finalizers?: string[]; generation?: number; uid?: string }; status?: RunnerGroupStatus };
const getRg = async (name: string): Promise<Rg> => (await env.custom.getNamespacedCustomObject({ ...rgApi, namespace: env.namespace, name })) as Rg;
const condition = (rg: Rg, type: string) => rg.status?.conditions?.find((c) => c.type === type);

async function events(reason: string) {
  const list = await env.server.kubeConfig.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: env.namespace });
  return list.items.filter((e) => e.reason === reason);
}

it('starts one listener per group, writes status and Ready Events, applies spec changes with update(), merges listener conditions', async () => {
  const tier = recordingTier();
  await start({ Classic: tier.factory });
  await env.objects.create(runnerGroup(env.namespace, 'linux'));
  const rg = await eventually(async () => {
    const r = await getRg('linux');
    return r.status?.observedGeneration === 1 && r;
  }, 'status of linux');
  expect(rg.metadata.finalizers).toContain(AGENT_POOL_FINALIZER);
  expect(rg.status?.activeSessions).toBe(1);
  expect(condition(rg, 'Ready')).toMatchObject({ status: 'True', reason: 'ListenerActive' });
  expect(condition(rg, 'InvalidSpec')).toMatchObject({ status: 'False' });
  expect(await eventually(async () => (await events('ListenerActive')).length > 0 && (await events('ListenerActive')), 'ListenerActive event')).toHaveLength(1);
  expect(tier.listeners.get('linux')).toHaveLength(1);
  const listener = tier.listeners.get('linux')![0]!;
  expect(listener.context.group.provisioner).toMatchObject({ namespace: env.namespace, name: 'linux', securityProfile: 'restricted', serviceAccountName: 'actions-gateway-worker' });
  expect(listener.context.github.target.apiBaseUrl).toBe(env.github.url);

  // A spec change reaches the running listener; no second listener is made.
  await env.custom.patchNamespacedCustomObject({ ...rgApi, namespace: env.namespace, name: 'linux', body: [{ op: 'add', path: '/spec/maxListeners', value: 3 }] });
  await eventually(() => listener.updates.length === 1, 'update()');
  expect(listener.updates[0]!.runnerGroup.spec.maxListeners).toBe(3);
  await eventually(async () => (await getRg('linux')).status?.observedGeneration === 2, 'observedGeneration 2');
  expect(tier.listeners.get('linux')).toHaveLength(1);

  // Listener conditions and session changes reach the status through onChange.
  listener.set({ sessions: 0, conditions: [{ type: 'Degraded', status: 'True', reason: 'AgentRecycled', message: 'agents re-registering' }] });
  const degraded = await eventually(async () => {
    const r = await getRg('linux');
    return condition(r, 'Degraded')?.status === 'True' && r;
  }, 'Degraded condition');
  expect(degraded.status?.activeSessions).toBe(0);
  expect(condition(degraded, 'Ready')).toMatchObject({ status: 'False', reason: 'NoActiveSessions' });
  await eventually(async () => (await events('NoActiveSessions')).length === 1, 'NoActiveSessions event');
  listener.set({ sessions: 2, conditions: [{ type: 'Degraded', status: 'False', reason: 'Healthy', message: 'ok' }] });
  const healed = await eventually(async () => {
    const r = await getRg('linux');
    return condition(r, 'Degraded')?.status === 'False' && r;
  }, 'Degraded cleared');
  expect(healed.status?.activeSessions).toBe(2);
  expect(condition(healed, 'Ready')?.status).toBe('True');
});

it('gives a group whose tier is missing a TierUnavailable condition instead of crashing, and still runs the others', async () => {
  const tier = recordingTier();
  await start({ Classic: tier.factory });
  await env.objects.create(runnerGroup(env.namespace, 'scale', { acquisitionProtocol: 'ScaleSet' }));
  await env.objects.create(runnerGroup(env.namespace, 'classic'));
  const rg = await eventually(async () => {
    const r = await getRg('scale');
    return condition(r, 'Ready') && r;
  }, 'Ready on scale');
  expect(condition(rg, 'Ready')).toMatchObject({ status: 'False', reason: 'TierUnavailable' });
  expect(condition(rg, 'Ready')?.message).toMatch(/ScaleSet has no listener tier/);
  await eventually(async () => condition(await getRg('classic'), 'Ready')?.status === 'True', 'classic ready');
  expect(tier.listeners.has('scale')).toBe(false);
});

it('on deletion stops the listener with "deleted", then removes the finalizer', async () => {
  const tier = recordingTier();
  await start({ Classic: tier.factory });
  await env.objects.create(runnerGroup(env.namespace, 'gone'));
  await eventually(async () => (await getRg('gone')).metadata.finalizers?.includes(AGENT_POOL_FINALIZER), 'finalizer');
  await env.custom.deleteNamespacedCustomObject({ ...rgApi, namespace: env.namespace, name: 'gone' });
  await eventually(async () => {
    try {
      await getRg('gone');
      return false;
    } catch {
      return true;
    }
  }, 'RunnerGroup removed');
  expect(tier.listeners.get('gone')![0]!.stops).toEqual(['deleted']);
});

function workerPod(group: string, name: string, extra: { annotations?: Record<string, string> } = {}) {
  return {
    metadata: {
      name,
      labels: { [Labels.managedBy]: Labels.managedByAgc, [Labels.runnerGroup]: group, [Labels.component]: Labels.componentWorkload },
      annotations: { [ANNOTATION_PLAN_ID]: `plan-${name}`, ...extra.annotations },
    },
    spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'runner:1' }] },
  };
}

it('reaps stuck Pending pods (job cancelled, Warning Event, metric) and completed pods after their TTL, and requeues for the next due pod', async () => {
  const tier = recordingTier();
  const running = await start({ Classic: tier.factory });
  await env.objects.create(runnerGroup(env.namespace, 'reap', { pendingPodDeadline: '10m', completedPodTTL: '5m' }));
  await eventually(async () => condition(await getRg('reap'), 'Ready')?.status === 'True', 'ready');
  // The kubelet holds pods Pending for an hour: this one will be stuck.
  await env.core.createNamespacedPod({ namespace: env.namespace, body: workerPod('reap', 'stuck') });
  await env.core.createNamespacedPod({ namespace: env.namespace, body: workerPod('reap', 'done') });
  env.server.kubelet!.complete(env.namespace, 'done', { phase: 'Succeeded' });
  await eventually(async () => (await env.core.readNamespacedPod({ namespace: env.namespace, name: 'done' })).status?.phase === 'Succeeded', 'done Succeeded');

  env.clock.skip(6 * 60_000); // past the TTL, not yet past the deadline
  tier.listeners.get('reap')![0]!.set({});
  await eventually(async () => (await env.core.listNamespacedPod({ namespace: env.namespace })).items.every((p) => p.metadata?.name !== 'done'), 'done reaped');
  expect((await env.core.readNamespacedPod({ namespace: env.namespace, name: 'stuck' })).metadata?.deletionTimestamp).toBeUndefined();

  env.clock.skip(5 * 60_000); // past the pending deadline
  tier.listeners.get('reap')![0]!.set({});
  await eventually(async () => (await env.core.listNamespacedPod({ namespace: env.namespace })).items.length === 0, 'stuck reaped');
  expect(tier.listeners.get('reap')![0]!.cancelled.map((j) => j.podName)).toEqual(['stuck']);
  const warning = await eventually(async () => (await events('WorkerPodStuckPending'))[0], 'WorkerPodStuckPending');
  expect(warning).toMatchObject({ type: 'Warning', action: 'ReapWorkerPods', regarding: { kind: 'RunnerGroup', name: 'reap' } });
  expect(warning.note).toBe('worker pod stuck was Pending for more than 10m and has been deleted; check the pod template image and scheduling constraints');
  const text = await running.registry.metrics();
  expect(text).toContain(`actions_gateway_worker_pods_reaped_total{namespace="${env.namespace}",runner_group="reap",reason="completed_ttl"} 1`);
  expect(text).toContain(`actions_gateway_worker_pods_reaped_total{namespace="${env.namespace}",runner_group="reap",reason="pending_deadline"} 1`);
});

it('re-runs once the job of a pod an earlier AGC left evicted, and never one that failed on its own', async () => {
  const job = env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'] });
  env.github.control.completeRun(job.runId, 'failure');
  const other = env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'] });
  env.github.control.completeRun(other.runId, 'failure');
  const ref = (runId: number) => ({ annotations: { [ANNOTATION_RUN_ID]: String(runId), [ANNOTATION_REPOSITORY]: 'acme/app' } });
  await env.core.createNamespacedPod({ namespace: env.namespace, body: workerPod('orphans', 'evicted', ref(job.runId)) });
  await env.core.createNamespacedPod({ namespace: env.namespace, body: workerPod('orphans', 'failed', ref(other.runId)) });
  env.server.kubelet!.evict(env.namespace, 'evicted');
  env.server.kubelet!.complete(env.namespace, 'failed', { phase: 'Failed', exitCode: 1 });
  await eventually(async () => (await env.core.listNamespacedPod({ namespace: env.namespace })).items.every((p) => p.status?.phase === 'Failed'), 'both Failed');
  await new Promise((r) => setTimeout(r, 5)); // creation strictly before the AGC starts

  const tier = recordingTier();
  const running = await start({ Classic: tier.factory });
  await env.objects.create(runnerGroup(env.namespace, 'orphans'));
  await eventually(async () => (await running.registry.metrics()).includes(`actions_gateway_eviction_retries_total{namespace="${env.namespace}",runner_group="orphans"} 1`), 'one accepted re-run');
  const reruns = env.github.control.requests().filter((r) => r.path.endsWith('/rerun-failed-jobs'));
  expect(reruns.map((r) => r.path)).toEqual([`/repos/acme/app/actions/runs/${job.runId}/rerun-failed-jobs`]);
  // More reconciles do not re-run it again.
  tier.listeners.get('orphans')![0]!.set({});
  tier.listeners.get('orphans')![0]!.set({});
  await new Promise((r) => setTimeout(r, 200));
  expect(env.github.control.requests().filter((r) => r.path.endsWith('/rerun-failed-jobs'))).toHaveLength(1);
  expect(env.github.control.runs().find((r) => r.runId === job.runId)?.attempts).toBe(2);
});
