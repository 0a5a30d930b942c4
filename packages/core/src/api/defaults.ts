// The one table of defaults. The schemas put these values in their `default`s, and applyDefaults applies
// exactly the schema's `default`s, so the CRD, the webhook and the controllers cannot disagree.
import type { ResourceRequirements } from './kube-types.js';

/** Defaults of `ActionsGateway.spec`. */
export const ACTIONS_GATEWAY_DEFAULTS = {
  securityProfile: 'baseline',
  proxy: {
    minReplicas: 2,
    maxReplicas: 10,
    targetCPUUtilizationPercentage: 60,
    managedNetworkPolicy: true,
  },
} as const;

/** Defaults of a RunnerGroup spec (and of each `ActionsGateway.spec.runnerGroups[]` entry). */
export const RUNNER_GROUP_DEFAULTS = {
  acquisitionProtocol: 'ScaleSet',
  maxListeners: 1,
  spareAgents: 0,
  maxEvictionRetries: 2,
  evictionRetryDelay: '5s',
  maxQuotaRetries: 5,
  quotaRetryDelay: '30s',
  completedPodTTL: '5m',
  pendingPodDeadline: '10m',
  maxWorkerLifetime: '12h',
} as const;

/**
 * Proxy container resources. `spec.proxy.resources` is merged over these per key (requests.cpu, limits.memory…)
 * by the proxy Deployment builder, so it is not a schema default (a schema default would be all-or-nothing).
 */
export const PROXY_RESOURCE_DEFAULTS: Readonly<Required<ResourceRequirements>> = {
  requests: { cpu: '10m', memory: '32Mi' },
  limits: { cpu: '500m', memory: '64Mi' },
};

/**
 * AGC container resources. The Go original set none (⚠); these follow its capacity appendix scaled for a
 * single process holding every listener of a tenant: requests 100m/256Mi, limits 1 CPU/1Gi. The AGC holds
 * mostly idle long-polls, so CPU is bursty and memory grows with listeners (≈1 MiB each).
 */
export const AGC_RESOURCES: Readonly<Required<ResourceRequirements>> = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};
