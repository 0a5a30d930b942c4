// @actions-gateway/core: one job through the provisioner, the way an embedding host runs it. The host owns
// the ports; here the Kubernetes port is the AGC's own (client-node), pointed at the testkit's API server on
// 127.0.0.1 whose kubelet simulator runs the worker pod. Time is a manual clock shared with the API server.
import {
  API_VERSION,
  RUNNER_GROUP_KIND,
  checkAdmission,
  crdManifests,
  jobSecretName,
  provision,
  resolveProvisionerGroup,
  silentLogger,
  workerPodName,
  type Clock,
  type RunnerGroup,
} from '@actions-gateway/core';
import { createMetrics } from '@actions-gateway/metrics';
import { createKubernetesPort } from '@actions-gateway/operator';
import { ManualClock, startApiServer } from '@actions-gateway/testkit';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';

const clock = new ManualClock();
const server = await startApiServer({ clock, kubelet: { startDelayMs: 1_000 } });
const kubernetes = createKubernetesPort({ kubeConfig: server.kubeConfig, namespace: 'ci' });

// core's Clock port on the same manual time line as the API server.
const coreClock: Clock = {
  now: () => new Date(clock.now()),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = clock.setTimeout(() => resolve(true), ms);
      signal?.addEventListener('abort', () => (timer.cancel(), resolve(false)), { once: true });
    }),
};

try {
  // The cluster side: the CRDs core generates, a namespace and one RunnerGroup (it owns the worker pods).
  await server.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'ci' } } });
  const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  }
  const created = await objects.create({
    apiVersion: API_VERSION,
    kind: RUNNER_GROUP_KIND.kind,
    metadata: { name: 'linux', namespace: 'ci' },
    spec: { runnerLabels: ['self-hosted', 'linux'], maxWorkers: 2, podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
  } as KubernetesObject);

  // The provisioner's view of the group: defaults applied, durations in milliseconds.
  const group = resolveProvisionerGroup(created as unknown as RunnerGroup, {
    securityProfile: 'restricted',
    proxy: { httpsProxy: 'https://actions-gateway-proxy.ci.svc:8080' },
  });

  // 1. Admission before the claim: a job that does not fit is never claimed.
  const { decision, capacity } = await checkAdmission(kubernetes, group);
  if (!decision.admit) throw new Error(`refused: ${decision.reason}`);
  console.log(`admitted (room for ${capacity} pods)`);

  // 2. The host claims the job at GitHub; this payload stands in for the acquired job message.
  const planId = '6f1c2d3e-0000-4000-8000-000000000001';
  const payload = JSON.stringify({
    plan: { planId },
    variables: { 'system.github.run_id': { value: '1001' }, 'system.github.repository': { value: 'acme/app' } },
  });
  const podName = workerPodName(group.name, planId);
  server.kubelet!.script({ namespace: 'ci', name: podName }, { phase: 'Succeeded', afterMs: 2_000, exitCode: 0 });

  // 3. provision(): Secret, pod, wait, classify, clean up. The metrics handles fit core's metrics port.
  const metrics = createMetrics('controller');
  const running = provision(
    { planId, payload, acquiredAt: coreClock.now() },
    { kubernetes, clock: coreClock, metrics, logger: silentLogger },
    group,
  );
  const signal = new AbortController().signal;
  await kubernetes.waitForPod('ci', podName, (p) => p?.status?.phase === 'Pending', signal);
  console.log(`worker pod ${podName} created with its Secret ${jobSecretName(planId)}`);
  clock.advance(1_000); // the kubelet starts it
  await kubernetes.waitForPod('ci', podName, (p) => p?.status?.phase === 'Running', signal);
  clock.advance(2_000); // and it ends as scripted

  const result = await running;
  if (result.kind !== 'finished' || result.outcome.kind !== 'succeeded') throw new Error(`unexpected result ${JSON.stringify(result)}`);
  if (await kubernetes.getSecret('ci', jobSecretName(planId))) throw new Error('the job Secret was left behind');
  const exposition = await metrics.registry.metrics();
  const observed = /actions_gateway_job_duration_seconds_count\{namespace="ci",runner_group="linux"\} (\d+)/.exec(exposition)?.[1];
  if (observed !== '1') throw new Error(`job_duration_seconds not observed once: ${observed}`);
  console.log(`ok: job ${planId} finished ${result.phase}; Secret removed; actions_gateway_job_duration_seconds observed`);
} finally {
  await kubernetes.close();
  await server.close();
}
