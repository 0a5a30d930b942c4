// The agc's traces end to end: an in-process agc with OTEL_EXPORTER_OTLP_ENDPOINT at the testkit's OTLP/gRPC
// receiver, a RunnerGroup reconciled and a job provisioned through the agc's own provision ports (tracer,
// Kubernetes port): RunnerGroup.Reconcile and the Provisioner.provision tree arrive, as actions-gateway-agc.
// The tier here only hands the agc one job to provision; it stands in for the broker, not for the agc.
import { provision, tracingEnv, workerPodName, type ProvisionResult } from '@actions-gateway/core';
import { startOtlpReceiver, type OtlpReceiver } from '@actions-gateway/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AGC_SERVICE_NAME, AGC_VERSION, startAgc, type AgcProcess } from '../../src/agc/main.js';
import type { GroupListener, ListenerTierFactory } from '../../src/agc/listener/group-listener.js';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from '../agc/host/agc-env.js';

let env: AgcEnv;
let receiver: OtlpReceiver;
let agc: AgcProcess | undefined;

beforeEach(async () => {
  env = await startAgcEnv();
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await agc?.shutdown();
  agc = undefined;
  await receiver.close();
  await env.close();
});

const planId = '3b2d0c4e-8f6a-4e1b-9c7d-5a4b3c2d1e0f';
const payload = JSON.stringify({ plan: { planId }, variables: { 'system.github.repository': { value: 'acme/app' }, 'system.github.run_id': { value: '77' } } });

/** A tier whose listener provisions one claimed job with the agc's provision ports, as a real tier does after acquire. */
function oneJobTier(): { factory: ListenerTierFactory; provisioned: Promise<ProvisionResult> } {
  let resolve: (r: ProvisionResult) => void = () => undefined;
  const provisioned = new Promise<ProvisionResult>((r) => (resolve = r));
  const factory: ListenerTierFactory = (context) => {
    void provision({ planId, payload, acquiredAt: context.clock.now() }, context.provision, context.group.provisioner).then(resolve);
    const listener: GroupListener = { update: () => undefined, activeSessions: () => 1, conditions: () => [], stop: () => Promise.resolve() };
    return listener;
  };
  return { factory, provisioned };
}

async function runOneJob(otel: Record<string, string>): Promise<ProvisionResult> {
  const tier = oneJobTier();
  env.server.kubelet!.script({ namespace: env.namespace, name: workerPodName('linux', planId) }, { phase: 'Succeeded', afterMs: 50 });
  const started = await startAgc(env.args(), env.env(otel), { tiers: { Classic: tier.factory }, logDestination: env.logStream });
  if ('help' in started) throw new Error('unexpected help');
  agc = started;
  await env.objects.create(runnerGroup(env.namespace, 'linux'));
  const result = await tier.provisioned;
  await started.shutdown(); // flushes what the batch processor still holds
  agc = undefined;
  return result;
}

it('sends RunnerGroup.Reconcile and the Provisioner.provision tree to the OTLP endpoint, as actions-gateway-agc', async () => {
  const result = await runOneJob({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
  expect(result).toMatchObject({ kind: 'finished', phase: 'Succeeded' });
  const spans = receiver.spans();

  const reconciles = spans.filter((s) => s.name === 'RunnerGroup.Reconcile');
  expect(reconciles.length).toBeGreaterThanOrEqual(1);
  for (const r of reconciles) {
    expect(r.attributes).toEqual({ 'runnergroup.namespace': env.namespace, 'runnergroup.name': 'linux' });
    expect(r.parentSpanId).toBe('');
  }

  const root = spans.find((s) => s.name === 'Provisioner.provision')!;
  expect(root).toBeDefined();
  expect(root.parentSpanId).toBe('');
  expect(Object.keys(root.attributes).sort()).toEqual(
    ['runnergroup.namespace', 'runnergroup.name', 'plan.id', 'pod.name', 'active_pods', 'ceiling.held', 'priority_class', 'pod.phase', 'pod.reason', 'duration_seconds'].sort(),
  );
  expect(root.attributes).toMatchObject({ 'runnergroup.namespace': env.namespace, 'runnergroup.name': 'linux', 'plan.id': planId, 'pod.name': workerPodName('linux', planId), 'ceiling.held': false, 'pod.phase': 'Succeeded' });
  const children = spans.filter((s) => s.parentSpanId === root.spanId);
  expect(children.map((s) => s.name)).toEqual(['stageJobSecret', 'countActivePods', 'createPod', 'waitForCompletion']);
  expect(new Set(children.map((s) => s.traceId))).toEqual(new Set([root.traceId]));

  for (const s of spans) expect(s.resource).toMatchObject({ 'service.name': AGC_SERVICE_NAME, 'service.version': AGC_VERSION });
  expect(AGC_SERVICE_NAME).toBe('actions-gateway-agc');
});

it('sends nothing with OTEL_SDK_DISABLED=true, and still provisions', async () => {
  const result = await runOneJob({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SDK_DISABLED: 'true' });
  expect(result).toMatchObject({ kind: 'finished', phase: 'Succeeded' });
  expect(receiver.exportCalls()).toEqual({ accepted: 0, refused: 0 });
  expect(receiver.spans()).toEqual([]);
});

it('marks a failed reconcile in its RunnerGroup.Reconcile span (error status, exception event)', async () => {
  const fault = env.server.faults.inject({ resource: 'runnergroups/status', error: 500, count: 1 });
  const listener: GroupListener = { update: () => undefined, activeSessions: () => 1, conditions: () => [], stop: () => Promise.resolve() };
  const started = await startAgc(env.args(), env.env({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }), { tiers: { Classic: () => listener }, logDestination: env.logStream });
  if ('help' in started) throw new Error('unexpected help');
  agc = started;
  await env.objects.create(runnerGroup(env.namespace, 'linux'));
  await eventually(async () => {
    const rg = (await env.custom.getNamespacedCustomObject({ group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups', namespace: env.namespace, name: 'linux' })) as { status?: { observedGeneration?: number } };
    return rg.status?.observedGeneration === 1;
  }, 'status written after the failed attempt');
  expect(fault.hits).toBe(1);
  await started.shutdown();
  agc = undefined;
  const reconciles = receiver.spans().filter((s) => s.name === 'RunnerGroup.Reconcile');
  const failed = reconciles.filter((s) => s.status.code === 'error');
  expect(failed).toHaveLength(1);
  expect(failed[0]!.status.message).toContain('injected fault');
  expect(failed[0]!.events.map((e) => e.name)).toEqual(['exception']);
  expect(reconciles.some((s) => s.status.code === 'unset')).toBe(true);
});

it("traces as the GMC configures it: spec.tracing rendered to OTEL_* (scheme-less endpoint, insecure, sampler, resourceAttributes)", async () => {
  const rendered = tracingEnv({ endpoint: receiver.address, insecure: true, sampler: 'parentbased_always_on', resourceAttributes: { team: 'a b,c', 'deployment.environment': 'prod', 'service.name': 'not-the-agc' } });
  const otel = Object.fromEntries(rendered.map((e) => [e.name, e.value ?? '']));
  const result = await runOneJob(otel);
  expect(result.kind).toBe('finished');
  const spans = receiver.spans();
  expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['RunnerGroup.Reconcile', 'Provisioner.provision']));
  for (const s of spans) expect(s.resource).toMatchObject({ 'service.name': 'actions-gateway-agc', team: 'a b,c', 'deployment.environment': 'prod' });
});
