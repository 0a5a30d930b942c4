// End to end: core's provision() on the AGC's ports, against the testkit API server (kubelet simulator)
// and the fake GitHub. One job: claimed through a real classic session, renewed, run in a worker pod the
// kubelet completes, its Secret cleaned up.
import {
  API_VERSION,
  RUNNER_GROUP_KIND,
  checkAdmission,
  crdManifests,
  jobSecretName,
  noopProvisionerMetrics,
  provision,
  silentLogger,
  startRenewLoop,
  systemClock,
  workerPodName,
  type ProvisionerGroup,
  type ProvisionerMetrics,
} from '@actions-gateway/core';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createJobBrokerPort } from '../../../src/agc/ports/job-broker-port.js';
import { createKubernetesPort, type ClosableKubernetesPort } from '../../../src/agc/ports/kubernetes-port.js';
import { nextJobMessage, openSession, startGitHubEnv, type GitHubEnv } from './github-env.js';
import { startKubeEnv, type KubeEnv } from './kube-env.js';

let kube: KubeEnv;
let github: GitHubEnv;
let port: ClosableKubernetesPort;

beforeEach(async () => {
  kube = await startKubeEnv('ci');
  github = await startGitHubEnv();
  port = createKubernetesPort({ kubeConfig: kube.server.kubeConfig, namespace: 'ci' });
});
afterEach(async () => {
  await port.close();
  await github.close();
  await kube.server.close();
});

const baseGroup: Omit<ProvisionerGroup, 'uid'> = {
  namespace: 'ci',
  name: 'linux',
  podTemplate: { spec: { containers: [{ name: 'runner' }] } },
  workerImage: 'ghcr.io/actions/actions-runner:2.335.1',
  securityProfile: 'restricted',
  proxy: { httpsProxy: 'http://egress.ci.svc:8080' },
  maxWorkers: 2,
  maxEvictionRetries: 2,
  evictionRetryDelayMs: 5_000,
  maxQuotaRetries: 5,
  quotaRetryDelayMs: 30_000,
  completedPodTtlMs: 0,
  pendingPodDeadlineMs: 600_000,
  maxWorkerLifetimeMs: 12 * 3_600_000,
};

/** The RunnerGroup must exist: the worker pod and Secret are owned by it, and the garbage collector
 * removes dependents of an owner that is not there. */
async function createGroup(): Promise<ProvisionerGroup> {
  const objects = KubernetesObjectApi.makeApiClient(kube.server.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  }
  const runnerGroup = await objects.create({
    apiVersion: API_VERSION,
    kind: RUNNER_GROUP_KIND.kind,
    metadata: { name: 'linux', namespace: 'ci' },
    spec: { runnerLabels: ['self-hosted', 'linux'], podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
  } as KubernetesObject);
  return { ...baseGroup, uid: runnerGroup.metadata?.uid ?? '' };
}

it('claims a job, runs it in a worker pod to completion and cleans up its Secret', async () => {
  const queued = github.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'], durationMs: 2_000, conclusion: 'succeeded' });
  const session = await openSession(github);
  const broker = createJobBrokerPort({ session });
  const signal = new AbortController().signal;
  const group = await createGroup();

  const { decision } = await checkAdmission(port, group);
  expect(decision.admit).toBe(true);
  const acquired = await broker.acquireJob(await nextJobMessage(session), signal);
  if (acquired.kind !== 'acquired') throw new Error(`expected acquired, got ${acquired.kind}`);
  const { lease } = acquired;
  const podName = workerPodName(group.name, lease.planId);
  kube.server.kubelet!.script({ namespace: 'ci', name: podName }, { phase: 'Succeeded', afterMs: 2_000, exitCode: 0 });

  const durations: number[] = [];
  const metrics: ProvisionerMetrics = { ...noopProvisionerMetrics, jobDuration: { observe: (_labels, s) => void durations.push(s) } };
  const renewal = startRenewLoop({ lease, broker, kubernetes: port, clock: systemClock, metrics, logger: silentLogger, pod: { namespace: 'ci', name: podName, runnerGroup: group.name } });
  const running = provision({ planId: lease.planId, payload: acquired.payload, acquiredAt: systemClock.now() }, { kubernetes: port, clock: systemClock, metrics, logger: silentLogger }, group, { renewal });

  // The pod and its Secret exist while the job runs.
  const created = await port.waitForPod('ci', podName, (p) => p !== undefined, signal);
  expect(created?.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'actions-gateway-controller' });
  expect(await port.getSecret('ci', jobSecretName(lease.planId))).toBeDefined();
  await port.waitForPod('ci', podName, (p) => p?.status?.phase === 'Pending', signal);
  kube.clock.advance(1_000); // Running
  await port.waitForPod('ci', podName, (p) => p?.status?.phase === 'Running', signal);
  kube.clock.advance(2_000); // the scripted outcome: Succeeded

  const result = await running;
  expect(result).toMatchObject({ kind: 'finished', podName, phase: 'Succeeded', outcome: { kind: 'succeeded' } });
  expect(await port.getSecret('ci', jobSecretName(lease.planId))).toBeUndefined();
  expect(durations).toHaveLength(1);
  expect(await renewal.ended).toMatchObject({ kind: expect.not.stringMatching(/abandoned/) as unknown });

  // The renew loop renewed with the job token; the job is still held at GitHub until the worker completes it.
  const renews = github.fake.control.requests().filter((r) => r.path.endsWith('/renewjob'));
  expect(renews.length).toBeGreaterThanOrEqual(1);
  expect(renews[0]).toMatchObject({ credential: 'job-token', status: 200 });
  expect(github.fake.control.job(queued.requestId)?.state).toMatch(/acquired|running/);
});

// Issue 7, window (a): a worker killed by a node-pressure eviction reports its job's end (the runner does on
// SIGTERM) before the kubelet marks the pod Evicted, so the next renew answers 404 while the pod still looks
// healthy. Giving the job up must not stamp that pod `job_abandoned` (a reap, never re-run): the renew loop
// waits for the pod to show what happened, and the pod ends as the disruption it is.
it('a renew 404 between a killed runner\'s report and its pod\'s eviction leaves the disruption to be re-run', async () => {
  github.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'], durationMs: 600_000 });
  const session = await openSession(github);
  const broker = createJobBrokerPort({ session });
  const signal = new AbortController().signal;
  const group = await createGroup();
  const acquired = await broker.acquireJob(await nextJobMessage(session), signal);
  if (acquired.kind !== 'acquired') throw new Error(`expected acquired, got ${acquired.kind}`);
  const { lease } = acquired;
  const podName = workerPodName(group.name, lease.planId);
  const renewal = startRenewLoop({ lease, broker, kubernetes: port, clock: systemClock, metrics: noopProvisionerMetrics, logger: silentLogger, pod: { namespace: 'ci', name: podName, runnerGroup: group.name }, intervalMs: 100 });
  const running = provision({ planId: lease.planId, payload: acquired.payload, acquiredAt: systemClock.now() }, { kubernetes: port, clock: systemClock, metrics: noopProvisionerMetrics, logger: silentLogger }, group, { renewal });
  await port.waitForPod('ci', podName, (p) => p?.status?.phase === 'Pending', signal);
  kube.clock.advance(1_000);
  await port.waitForPod('ci', podName, (p) => p?.status?.phase === 'Running', signal);

  // The killed runner reports its job's end with the job token; the pod does not show it yet.
  expect(await broker.cancelJob(lease, signal)).toMatchObject({ kind: 'accepted' });
  await until(() => renewal.abandoned.aborted, 'the renew loop to give the job up', 10_000);
  const renews = github.fake.control.requests().filter((r) => r.path.endsWith('/renewjob'));
  expect(renews.at(-1)).toMatchObject({ status: 404 });
  // The give-up's own cancel reached GitHub: what would follow at once is the stamp and the delete.
  const completes = () => github.fake.control.requests().filter((r) => r.path.endsWith('/completejob')).length;
  await until(() => completes() === 2, 'the give-up\'s cancel', 10_000);
  const stamped = async () => (await port.getPod('ci', podName))?.metadata?.annotations?.['actions-gateway/deletion-reason'];
  for (let i = 0; i < 20; i++) {
    expect(await stamped()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 25));
  }
  kube.server.kubelet!.evict('ci', podName);

  const result = await running;
  expect(result).toMatchObject({ kind: 'finished', outcome: { kind: 'disrupted', cause: 'evicted' } });
  expect(await renewal.ended).toMatchObject({ kind: 'abandoned', cause: 'gone' });
  expect(await stamped()).toBeUndefined();
});

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
