import {
  checkAdmission,
  provision,
  systemClock,
  type KubernetesPort,
  type Logger,
  type Pod,
  type ProvisionerGroup,
  type ProvisionerMetrics,
} from '@actions-gateway/core';

// A toy cluster: pods run to completion as soon as they are created.
const pods = new Map<string, Pod>();
const secrets = new Set<string>();
const done = Promise.resolve();
const kubernetes: KubernetesPort = {
  createSecret: (_ns, s) => (secrets.add(s.metadata?.name ?? ''), done),
  deleteSecret: (_ns, name) => (secrets.delete(name), done),
  getSecret: () => Promise.resolve(undefined),
  createPod: (_ns, pod) => {
    const finished: Pod = { ...pod, status: { phase: 'Succeeded', conditions: [{ type: 'PodScheduled', status: 'True' }] } };
    pods.set(pod.metadata?.name ?? '', finished);
    return Promise.resolve(finished);
  },
  deletePod: (_ns, name) => (pods.delete(name), done),
  getPod: (_ns, name) => Promise.resolve(pods.get(name)),
  listPods: () => Promise.resolve([...pods.values()]),
  annotatePod: () => done,
  listResourceQuotas: () => Promise.resolve([]),
  listLimitRanges: () => Promise.resolve([]),
  waitForPod: (_ns, name, until) => {
    const pod = pods.get(name);
    return until(pod) ? Promise.resolve(pod) : Promise.reject(new Error('this toy cluster only knows finished pods'));
  },
  emitEvent: () => done,
};

// Metrics and logs go wherever you like; here, to arrays.
export const observed: string[] = [];
const metrics: ProvisionerMetrics = {
  podCreationLatency: { observe: (_l, s) => void observed.push(`pod_creation_latency_seconds ${s}`) },
  jobDuration: { observe: (l, s) => void observed.push(`job_duration_seconds{runner_group="${l.runner_group}"} ${s}`) },
  evictionRetries: { inc: () => undefined },
  evictionRetriesExhausted: { inc: () => undefined },
  workerPodsReaped: { inc: (l) => void observed.push(`worker_pods_reaped_total{reason="${l.reason}"}`) },
  renewJobErrors: { inc: () => undefined },
};
const logger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const group: ProvisionerGroup = {
  namespace: 'ci',
  name: 'linux',
  uid: '0b6c5e6e-1111-4222-8333-444455556666',
  podTemplate: { spec: { containers: [{ name: 'runner' }] } },
  workerImage: 'ghcr.io/actions/actions-runner:2.335.1',
  securityProfile: 'restricted',
  proxy: { httpsProxy: 'http://egress.ci.svc:8080' },
  maxWorkers: 10,
  maxEvictionRetries: 2,
  evictionRetryDelayMs: 5_000,
  maxQuotaRetries: 5,
  quotaRetryDelayMs: 30_000,
  completedPodTtlMs: 0,
  pendingPodDeadlineMs: 600_000,
  maxWorkerLifetimeMs: 12 * 3_600_000,
};

/** Admits, then runs one job to its end. */
export async function runOneJob(planId: string, payload: string): Promise<string> {
  const { decision, capacity } = await checkAdmission(kubernetes, group);
  if (!decision.admit) return `left queued at GitHub: ${decision.reason}`;
  const result = await provision(
    { planId, payload, acquiredAt: systemClock.now() },
    { kubernetes, clock: systemClock, metrics, logger },
    group,
  );
  return `${result.kind} (room for ${capacity} before this job)`;
}
