import type { Container, EnvVar, PodSpec } from '../api/kube-types.js';
import { Labels } from '../naming/names.js';
import type { Pod } from '../ports/k8s-objects.js';
import type { ProvisionerGroup } from './group.js';
import { runnerGroupOwnerReference } from './group.js';
import { ANNOTATION_PLAN_ID, ANNOTATION_REPOSITORY, ANNOTATION_RUN_ID, LABEL_RUN_ID, runnerGroupLabelValue } from './labels.js';
import { jobSecretName, planIdLabelValue, workerPodName } from './names.js';
import { applySecurityDefaults } from './security.js';

/** Where the job Secret is mounted in the runner container. */
export const PAYLOAD_MOUNT_PATH = '/run/secrets/job-payload';
/** Where the proxy CA (`tls.crt` only) is mounted. */
export const PROXY_CA_MOUNT_PATH = '/etc/actions-gateway/proxy-ca';
/** Requests = limits for containers that set neither: Guaranteed QoS makes eviction less likely. */
export const DEFAULT_WORKER_RESOURCES = { cpu: '500m', memory: '1Gi' } as const;
const PAYLOAD_VOLUME = 'job-payload';
const PROXY_CA_VOLUME = 'proxy-ca';

/** The job a worker pod runs. */
export interface WorkerJob {
  readonly planId: string;
  readonly runId?: string | undefined;
  /** `owner/repo`. */
  readonly repository?: string | undefined;
}

function setEnv(container: Container, vars: readonly EnvVar[]): void {
  const forced = new Set(vars.map((v) => v.name));
  container.env = [...(container.env ?? []).filter((e) => !forced.has(e.name)), ...vars];
}

type VolumeMount = NonNullable<Container['volumeMounts']>[number];
type Volume = NonNullable<PodSpec['volumes']>[number];

function mount(container: Container, m: VolumeMount): void {
  container.volumeMounts = [...(container.volumeMounts ?? []).filter((x) => x.name !== m.name && x.mountPath !== m.mountPath), m];
}

function addVolume(spec: PodSpec, v: Volume): void {
  spec.volumes = [...(spec.volumes ?? []).filter((x) => x.name !== v.name), v];
}

function runnerContainer(spec: PodSpec, workerImage: string): Container {
  let runner = spec.containers.find((c) => c.name === 'runner');
  if (!runner) {
    runner = { name: 'runner', image: workerImage };
    spec.containers.unshift(runner);
  }
  if (!runner.image) runner.image = workerImage;
  return runner;
}

function defaultResources(spec: PodSpec): void {
  for (const c of spec.containers) {
    const r = c.resources;
    if (r?.requests && Object.keys(r.requests).length > 0) continue;
    if (r?.limits && Object.keys(r.limits).length > 0) continue;
    c.resources = { requests: { ...DEFAULT_WORKER_RESOURCES }, limits: { ...DEFAULT_WORKER_RESOURCES } };
  }
}

/**
 * The worker pod of one job, from the group's template. The job Secret and the proxy CA are files;
 * the environment carries only their paths and the proxy URLs, never a secret. The pod cannot reach the
 * API (no service-account token), cannot share host namespaces, never restarts, and dies at
 * `maxWorkerLifetime` at the latest. Template labels and annotations are kept; the AGC's win on conflict.
 */
export function buildWorkerPod(group: ProvisionerGroup, job: WorkerJob, priorityClassName?: string): Pod {
  const spec: PodSpec = structuredClone(group.podTemplate.spec);
  // A template read from JSON may omit `containers`; the runner is prepended below.
  spec.containers = Array.isArray(spec.containers) ? spec.containers : [];
  const runner = runnerContainer(spec, group.workerImage);

  addVolume(spec, { name: PAYLOAD_VOLUME, secret: { secretName: jobSecretName(job.planId) } });
  mount(runner, { name: PAYLOAD_VOLUME, mountPath: PAYLOAD_MOUNT_PATH, readOnly: true });
  const ca = group.proxy.caSecretName;
  if (ca) {
    addVolume(spec, { name: PROXY_CA_VOLUME, secret: { secretName: ca, items: [{ key: 'tls.crt', path: 'tls.crt', mode: 0o444 }] } });
    mount(runner, { name: PROXY_CA_VOLUME, mountPath: PROXY_CA_MOUNT_PATH, readOnly: true });
  }
  setEnv(runner, [
    { name: 'HTTP_PROXY', value: group.proxy.httpProxy ?? '' },
    { name: 'HTTPS_PROXY', value: group.proxy.httpsProxy ?? '' },
    { name: 'NO_PROXY', value: group.proxy.noProxy ?? '' },
    { name: 'PROXY_CA_CERT_PATH', value: ca ? `${PROXY_CA_MOUNT_PATH}/tls.crt` : '' },
    { name: 'PAYLOAD_SECRET_PATH', value: PAYLOAD_MOUNT_PATH },
  ]);

  spec.automountServiceAccountToken = false;
  if (group.serviceAccountName) spec.serviceAccountName = group.serviceAccountName;
  spec.hostPID = false;
  spec.hostNetwork = false;
  spec.hostIPC = false;
  spec.restartPolicy = 'Never';
  const lifetime = Math.max(1, Math.ceil(group.maxWorkerLifetimeMs / 1000));
  spec.activeDeadlineSeconds = Math.min(spec.activeDeadlineSeconds ?? lifetime, lifetime);
  if (priorityClassName) spec.priorityClassName = priorityClassName;
  applySecurityDefaults(spec, group.securityProfile);
  defaultResources(spec);

  const template = group.podTemplate.metadata;
  const labels: Record<string, string> = {
    ...template?.labels,
    [Labels.managedBy]: Labels.managedByAgc,
    [Labels.runnerGroup]: runnerGroupLabelValue(group.name),
    [Labels.planId]: planIdLabelValue(job.planId),
    [Labels.component]: Labels.componentWorkload,
    'app.kubernetes.io/name': 'actions-runner',
    'app.kubernetes.io/instance': runnerGroupLabelValue(group.name),
    'app.kubernetes.io/component': 'runner',
    'app.kubernetes.io/part-of': 'actions-gateway',
  };
  const annotations: Record<string, string> = { ...template?.annotations, [ANNOTATION_PLAN_ID]: job.planId };
  if (job.runId && /^\d{1,63}$/.test(job.runId)) {
    labels[LABEL_RUN_ID] = job.runId;
    annotations[ANNOTATION_RUN_ID] = job.runId;
  }
  if (job.repository) annotations[ANNOTATION_REPOSITORY] = job.repository;

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: workerPodName(group.name, job.planId),
      namespace: group.namespace,
      labels,
      annotations,
      ownerReferences: [runnerGroupOwnerReference(group)],
    },
    spec,
  };
}
