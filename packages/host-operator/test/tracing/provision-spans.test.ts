// core's provision() on the AGC's Kubernetes port against the testkit API server, traced by a real SDK
// provider through the real OTLP/gRPC exporter into the testkit receiver: the seed's span tree, exactly.
import { noopProvisionerMetrics, provision, silentLogger, systemClock, workerPodName, type ProvisionerGroup } from '@actions-gateway/core';
import { SchedulingV1Api } from '@kubernetes/client-node';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '@actions-gateway/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createKubernetesPort, type ClosableKubernetesPort } from '../../src/agc/ports/kubernetes-port.js';
import { createRunnerGroup, startKubeEnv, type KubeEnv } from '../agc/ports/kube-env.js';

let kube: KubeEnv;
let port: ClosableKubernetesPort;
let receiver: OtlpReceiver;
let provider: NodeTracerProvider;

beforeEach(async () => {
  kube = await startKubeEnv('ci');
  port = createKubernetesPort({ kubeConfig: kube.server.kubeConfig, namespace: 'ci' });
  receiver = await startOtlpReceiver();
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'actions-gateway-agc' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.endpoint }))],
  });
});
afterEach(async () => {
  await provider.shutdown();
  await receiver.close();
  await port.close();
  await kube.server.close();
});

const planId = '0d9e6a52-6c1b-4c55-9f0e-7d1c2b3a4f51';
const podName = workerPodName('linux', planId);
const payload = JSON.stringify({
  plan: { planId },
  variables: { 'system.github.repository': { value: 'acme/app' }, 'system.github.run_id': { value: '4242' } },
});

async function group(): Promise<ProvisionerGroup> {
  await kube.server.kubeConfig.makeApiClient(SchedulingV1Api).createPriorityClass({ body: { metadata: { name: 'ci-high' }, value: 1000 } });
  return {
    namespace: 'ci',
    name: 'linux',
    uid: await createRunnerGroup(kube, 'linux'),
    podTemplate: { spec: { containers: [{ name: 'runner' }] } },
    workerImage: 'ghcr.io/actions/actions-runner:2.335.1',
    securityProfile: 'restricted',
    proxy: { httpsProxy: 'http://egress.ci.svc:8080' },
    maxWorkers: 4,
    priorityTiers: [{ priorityClassName: 'ci-high', threshold: 4 }],
    maxEvictionRetries: 2,
    evictionRetryDelayMs: 5_000,
    maxQuotaRetries: 5,
    quotaRetryDelayMs: 30_000,
    completedPodTtlMs: 60_000,
    pendingPodDeadlineMs: 600_000,
    maxWorkerLifetimeMs: 3_600_000,
  };
}

/** Runs one job to its end with the kubelet failing the pod; returns the spans the receiver got. */
async function provisionOneJob(run: (work: () => Promise<unknown>) => Promise<unknown> = (work) => work()): Promise<OtlpSpan[]> {
  const g = await group();
  kube.server.kubelet!.script({ namespace: 'ci', name: podName }, { phase: 'Failed', afterMs: 2_000, exitCode: 1 });
  const tracer = provider.getTracer('@actions-gateway/core');
  const running = run(() =>
    provision({ planId, payload, acquiredAt: systemClock.now() }, { kubernetes: port, clock: systemClock, metrics: noopProvisionerMetrics, logger: silentLogger, tracer }, g),
  );
  const signal = new AbortController().signal;
  await port.waitForPod('ci', podName, (p) => p?.status?.phase === 'Pending', signal);
  kube.clock.advance(1_000); // Running
  await port.waitForPod('ci', podName, (p) => p?.status?.phase === 'Running', signal);
  kube.clock.advance(2_000); // the scripted end: Failed
  expect(await running).toMatchObject({ kind: 'finished', phase: 'Failed', outcome: { kind: 'failed' } });
  await provider.forceFlush();
  return receiver.waitForSpans((s) => s.some((x) => x.name === 'Provisioner.provision'));
}

it("exports the seed's Provisioner.provision tree: four children, the root's attributes, one trace", async () => {
  const spans = await provisionOneJob();
  const root = spans.find((s) => s.name === 'Provisioner.provision')!;
  expect(root.parentSpanId).toBe('');
  expect(root.resource['service.name']).toBe('actions-gateway-agc');
  expect(root.status).toEqual({ code: 'unset', message: '' });
  const duration = root.attributes['duration_seconds'];
  expect(typeof duration === 'number' && duration >= 0).toBe(true);
  expect(root.attributes).toEqual({
    'runnergroup.namespace': 'ci',
    'runnergroup.name': 'linux',
    'plan.id': planId,
    'pod.name': podName,
    active_pods: 0,
    'ceiling.held': false,
    priority_class: 'ci-high',
    'pod.phase': 'Failed',
    'pod.reason': '',
    duration_seconds: duration,
  });
  const children = spans.filter((s) => s !== root);
  expect(children.map((s) => s.name)).toEqual(['stageJobSecret', 'countActivePods', 'createPod', 'waitForCompletion']);
  for (const child of children) expect(child).toMatchObject({ traceId: root.traceId, parentSpanId: root.spanId, status: { code: 'unset' } });
});

it('starts its own root trace even when called inside another active span (the reconcile that started the listener)', async () => {
  provider.register(); // its AsyncLocalStorage context manager carries the reconcile span across awaits, as in the agc
  try {
    const spans = await provisionOneJob((work) => provider.getTracer('agc').startActiveSpan('RunnerGroup.Reconcile', async (reconcile) => {
      reconcile.end();
      return work();
    }));
    const root = spans.find((s) => s.name === 'Provisioner.provision')!;
    const reconcile = spans.find((s) => s.name === 'RunnerGroup.Reconcile')!;
    expect(root.parentSpanId).toBe('');
    expect(root.traceId).not.toBe(reconcile.traceId);
  } finally {
    trace.disable();
    context.disable();
    propagation.disable();
  }
});

it('marks createPod and the root failed when the ResourceQuota never makes room (quota retries inside createPod)', async () => {
  const g = { ...(await group()), maxQuotaRetries: 2, quotaRetryDelayMs: 10 };
  await kube.core.createNamespacedResourceQuota({ namespace: 'ci', body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } } });
  const tracer = provider.getTracer('@actions-gateway/core');
  const result = await provision({ planId, payload, acquiredAt: systemClock.now() }, { kubernetes: port, clock: systemClock, metrics: noopProvisionerMetrics, logger: silentLogger, tracer }, g);
  expect(result).toMatchObject({ kind: 'create_failed', quotaExhausted: true });
  await provider.forceFlush();
  const spans = await receiver.waitForSpans((s) => s.some((x) => x.name === 'Provisioner.provision'));
  const root = spans.find((s) => s.name === 'Provisioner.provision')!;
  expect(root.status).toEqual({ code: 'error', message: 'create_failed' });
  const createPod = spans.find((s) => s.name === 'createPod')!;
  expect(createPod.parentSpanId).toBe(root.spanId);
  expect(createPod.status.code).toBe('error');
  expect(createPod.status.message).toMatch(/exceeded quota: no-pods/);
  expect(createPod.events.map((e) => e.name)).toEqual(['exception']);
  expect(spans.map((s) => s.name)).not.toContain('waitForCompletion');
});
