// The v1alpha1 API of both custom resources. The JSON schemas in ./schema.ts are the source of truth;
// these types mirror them for TypeScript callers (a test checks both agree on the defaults).
import type { ObjectMeta, PodTemplateSpec, ResourceRequirements } from './kube-types.js';

/** PSA level stamped on the tenant namespace (rank: privileged 0 < baseline 1 < restricted 2). */
export type SecurityProfile = 'privileged' | 'baseline' | 'restricted';
/** How a RunnerGroup acquires jobs: GitHub's runner scale-set API or the classic broker sessions. */
export type AcquisitionProtocol = 'ScaleSet' | 'Classic';
/** `OTEL_TRACES_SAMPLER` values the CRD accepts. */
export type TracingSampler =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** `metav1.Condition`. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** Reference to the GitHub App Secret in the ActionsGateway's own namespace. */
export interface GitHubAppRef {
  /** Secret name; change it to rotate credentials. */
  name: string;
  /** Reserved: cross-namespace references are refused by validation. */
  namespace?: string;
}

/** The tenant egress proxy pool. */
export interface ProxySpec {
  minReplicas?: number;
  maxReplicas?: number;
  targetCPUUtilizationPercentage?: number;
  /** Merged per key over {@link PROXY_RESOURCE_DEFAULTS}. */
  resources?: ResourceRequirements;
  /** Prepended to the mandatory NO_PROXY list. */
  noProxyCIDRs?: string[];
  /** false leaves the GitHub-CIDR egress rule out of the proxy NetworkPolicy. */
  managedNetworkPolicy?: boolean;
}

/** `spec.tracing`: translated into `OTEL_*` env on the AGC (no endpoint → no OTEL_* at all). */
export interface TracingSpec {
  endpoint?: string;
  insecure?: boolean;
  sampler?: TracingSampler;
  /** A ratio in [0,1], as a string (the env var's type). */
  samplerArg?: string;
  resourceAttributes?: Record<string, string>;
}

/** One cumulative priority tier: jobs while fewer than `threshold` pods are active get this class. */
export interface PriorityTier {
  priorityClassName: string;
  threshold: number;
}

/** `RunnerGroup.spec` (also each `ActionsGateway.spec.runnerGroups[]` entry, plus its `name`). */
export interface RunnerGroupSpec {
  acquisitionProtocol?: AcquisitionProtocol;
  maxListeners?: number;
  /** Classic tier: pre-registered agents beyond `maxListeners` (0–100, default 0). */
  spareAgents?: number;
  maxWorkers?: number;
  runnerLabels: string[];
  priorityTiers?: PriorityTier[];
  podTemplate: PodTemplateSpec;
  workerImage?: string;
  maxEvictionRetries?: number;
  evictionRetryDelay?: string;
  maxQuotaRetries?: number;
  quotaRetryDelay?: string;
  completedPodTTL?: string;
  pendingPodDeadline?: string;
  /** Bound on a worker pod's life (`activeDeadlineSeconds`). */
  maxWorkerLifetime?: string;
}

/** An `ActionsGateway.spec.runnerGroups[]` entry: a RunnerGroup spec with its unique, DNS-label `name`. */
export interface RunnerGroupTemplate extends RunnerGroupSpec {
  name: string;
}

/** `ActionsGateway.spec`. */
export interface ActionsGatewaySpec {
  gitHubAppRef: GitHubAppRef;
  gitHubURL: string;
  proxy?: ProxySpec;
  runnerGroups?: RunnerGroupTemplate[];
  securityProfile?: SecurityProfile;
  tracing?: TracingSpec;
}

/** `ActionsGateway.status`. */
export interface ActionsGatewayStatus {
  conditions?: Condition[];
  proxyReadyReplicas?: number;
  observedGeneration?: number;
}

/** `RunnerGroup.status`. */
export interface RunnerGroupStatus {
  conditions?: Condition[];
  activeSessions?: number;
  observedGeneration?: number;
}

/** The ActionsGateway custom resource. */
export interface ActionsGateway {
  apiVersion: string;
  kind: 'ActionsGateway';
  metadata: ObjectMeta;
  spec: ActionsGatewaySpec;
  status?: ActionsGatewayStatus;
}

/** The RunnerGroup custom resource. */
export interface RunnerGroup {
  apiVersion: string;
  kind: 'RunnerGroup';
  metadata: ObjectMeta;
  spec: RunnerGroupSpec;
  status?: RunnerGroupStatus;
}

/** Fields `applyDefaults` always fills in a RunnerGroup spec. */
type DefaultedRunnerGroupKeys =
  | 'acquisitionProtocol'
  | 'maxListeners'
  | 'spareAgents'
  | 'maxEvictionRetries'
  | 'evictionRetryDelay'
  | 'maxQuotaRetries'
  | 'quotaRetryDelay'
  | 'completedPodTTL'
  | 'pendingPodDeadline'
  | 'maxWorkerLifetime';

/** A RunnerGroup spec after `applyDefaults`: every defaulted field is present. */
export type DefaultedRunnerGroupSpec = RunnerGroupSpec & Required<Pick<RunnerGroupSpec, DefaultedRunnerGroupKeys>>;

/** A proxy spec after `applyDefaults`. */
export type DefaultedProxySpec = ProxySpec &
  Required<Pick<ProxySpec, 'minReplicas' | 'maxReplicas' | 'targetCPUUtilizationPercentage' | 'managedNetworkPolicy'>>;

/** An ActionsGateway spec after `applyDefaults`. */
export interface DefaultedActionsGatewaySpec extends ActionsGatewaySpec {
  proxy: DefaultedProxySpec;
  securityProfile: SecurityProfile;
  runnerGroups?: Array<RunnerGroupTemplate & DefaultedRunnerGroupSpec>;
}
