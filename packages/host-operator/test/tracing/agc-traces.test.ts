// The agc's traces end to end: an in-process agc (the classic tier) with OTEL_EXPORTER_OTLP_ENDPOINT at the
// testkit's OTLP/gRPC receiver; a job queued at the fake GitHub is claimed, run in a worker pod by the stand-in
// runner and completed: RunnerGroup.Reconcile and the Provisioner.provision tree arrive, as actions-gateway-agc.
import { tracingEnv, workerPodName } from '@actions-gateway/core';
import { standInContainers, startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '@actions-gateway/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createClassicListenerTier } from '../../src/agc/classic/classic-tier.js';
import type { GroupListener } from '../../src/agc/listener/group-listener.js';
import { AGC_SERVICE_NAME, AGC_VERSION, startAgc, type AgcHostOptions, type AgcProcess } from '../../src/agc/main.js';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from '../agc/host/agc-env.js';
import { FAST_TIMINGS } from '../agc/scenarios/scenario-env.js';

let env: AgcEnv;
let receiver: OtlpReceiver;
let agc: AgcProcess | undefined;
const rgApi = { group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups' };

beforeEach(async () => {
  env = await startAgcEnv({ kubelet: { startDelayMs: 0, inProcess: standInContainers({ run: { completeRetryDelayMs: 50 } }) } });
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await agc?.shutdown();
  agc = undefined;
  await receiver.close();
  await env.close();
});

async function start(otel: Record<string, string>, options: AgcHostOptions = {}): Promise<AgcProcess> {
  const started = await startAgc(env.args(), env.env(otel), {
    tiers: { Classic: createClassicListenerTier({ kubeConfig: env.server.kubeConfig, timings: FAST_TIMINGS }) },
    logDestination: env.logStream,
    ...options,
  });
  if ('help' in started) throw new Error('unexpected help');
  agc = started;
  return started;
}

/** Creates the group, queues one job for it and waits until GitHub has its conclusion and its pod has ended. */
async function runOneJob(): Promise<{ planId: string; podName: string }> {
  await env.objects.create(runnerGroup(env.namespace, 'linux'));
  const job = env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'], durationMs: 20 });
  await eventually(() => env.github.control.job(job.requestId)?.state === 'completed', 'the job completed at GitHub', 30_000);
  const podName = workerPodName('linux', job.planId);
  await eventually(async () => (await env.core.readNamespacedPod({ namespace: env.namespace, name: podName })).status?.phase === 'Succeeded', 'the worker pod succeeded');
  return { planId: job.planId, podName };
}

const provisionSpanOf = (planId: string) => (s: OtlpSpan): boolean => s.name === 'Provisioner.provision' && s.attributes['plan.id'] === planId;
const provisioned = (planId: string) => (spans: readonly OtlpSpan[]): boolean => spans.some(provisionSpanOf(planId));

it('sends RunnerGroup.Reconcile and the Provisioner.provision tree of a real job to the OTLP endpoint, as actions-gateway-agc', async () => {
  await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50' });
  const { planId, podName } = await runOneJob();
  const spans = await receiver.waitForSpans(provisioned(planId), 10_000);

  const reconciles = spans.filter((s) => s.name === 'RunnerGroup.Reconcile');
  expect(reconciles.length).toBeGreaterThanOrEqual(1);
  for (const r of reconciles) expect(r).toMatchObject({ parentSpanId: '', attributes: { 'runnergroup.namespace': env.namespace, 'runnergroup.name': 'linux' } });

  const root = spans.find(provisionSpanOf(planId))!;
  expect(root.parentSpanId).toBe('');
  expect(root.status.code).toBe('unset');
  const duration = root.attributes['duration_seconds'];
  expect(typeof duration === 'number' && duration > 0).toBe(true);
  expect(root.attributes).toEqual({
    'runnergroup.namespace': env.namespace,
    'runnergroup.name': 'linux',
    'plan.id': planId,
    'pod.name': podName,
    active_pods: 0,
    'ceiling.held': false,
    priority_class: '',
    'pod.phase': 'Succeeded',
    'pod.reason': '',
    duration_seconds: duration,
  });
  const children = spans.filter((s) => s.parentSpanId === root.spanId);
  expect(children.map((s) => s.name)).toEqual(['stageJobSecret', 'countActivePods', 'createPod', 'waitForCompletion']);
  for (const c of children) expect(c).toMatchObject({ traceId: root.traceId, status: { code: 'unset' } });
  expect(reconciles.every((r) => r.traceId !== root.traceId)).toBe(true);

  for (const s of spans) expect(s.resource).toMatchObject({ 'service.name': AGC_SERVICE_NAME, 'service.version': AGC_VERSION });
  expect(AGC_SERVICE_NAME).toBe('actions-gateway-agc');
});

it('sends nothing with OTEL_SDK_DISABLED=true, and still runs the job', async () => {
  const running = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SDK_DISABLED: 'true' });
  await runOneJob();
  await running.shutdown();
  agc = undefined;
  expect(receiver.exportCalls()).toEqual({ accepted: 0, refused: 0 });
  expect(receiver.spans()).toEqual([]);
});

it('traces as the GMC configures it: spec.tracing rendered to OTEL_* (scheme-less endpoint, insecure, sampler, resourceAttributes)', async () => {
  const rendered = tracingEnv({ endpoint: receiver.address, insecure: true, sampler: 'parentbased_always_on', resourceAttributes: { team: 'a b,c', 'deployment.environment': 'prod', 'service.name': 'not-the-agc' } });
  await start({ ...Object.fromEntries(rendered.map((e) => [e.name, e.value ?? ''])), OTEL_BSP_SCHEDULE_DELAY: '50' });
  const { planId } = await runOneJob();
  const spans = await receiver.waitForSpans(provisioned(planId), 10_000);
  expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['RunnerGroup.Reconcile', 'Provisioner.provision', 'waitForCompletion']));
  for (const s of spans) expect(s.resource).toMatchObject({ 'service.name': 'actions-gateway-agc', team: 'a b,c', 'deployment.environment': 'prod' });
});

it('marks a failed reconcile in its RunnerGroup.Reconcile span (error status, exception event)', async () => {
  const fault = env.server.faults.inject({ resource: 'runnergroups/status', error: 500, count: 1 });
  const listener: GroupListener = { update: () => undefined, activeSessions: () => 1, conditions: () => [], stop: () => Promise.resolve() };
  const running = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }, { tiers: { Classic: () => listener } });
  await env.objects.create(runnerGroup(env.namespace, 'linux'));
  await eventually(async () => {
    const rg = (await env.custom.getNamespacedCustomObject({ ...rgApi, namespace: env.namespace, name: 'linux' })) as { status?: { observedGeneration?: number } };
    return rg.status?.observedGeneration === 1;
  }, 'status written after the failed attempt');
  expect(fault.hits).toBe(1);
  await running.shutdown();
  agc = undefined;
  const reconciles = receiver.spans().filter((s) => s.name === 'RunnerGroup.Reconcile');
  const failed = reconciles.filter((s) => s.status.code === 'error');
  expect(failed).toHaveLength(1);
  expect(failed[0]!.status.message).toContain('injected fault');
  expect(failed[0]!.events.map((e) => e.name)).toEqual(['exception']);
  expect(reconciles.some((s) => s.status.code === 'unset')).toBe(true);
});
