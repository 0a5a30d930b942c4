import { API_VERSION, RUNNER_GROUP_KIND } from '../api/group.js';
import type { OwnerReference, PodTemplateSpec } from '../api/kube-types.js';
import type { PriorityTier, SecurityProfile } from '../api/types.js';

/**
 * A RunnerGroup as the provisioner uses it: defaults applied and durations in milliseconds.
 * The AGC derives it from the RunnerGroup and its own environment (proxy, profile, service account).
 */
export interface ProvisionerGroup {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly podTemplate: PodTemplateSpec;
  /** Image for a `runner` container the template leaves without one. */
  readonly workerImage: string;
  readonly securityProfile: SecurityProfile;
  /** Worker pods' service account (`actions-gateway-worker`); unset leaves the namespace default. */
  readonly serviceAccountName?: string | undefined;
  readonly proxy: WorkerProxySettings;
  readonly maxWorkers?: number | undefined;
  readonly priorityTiers?: readonly PriorityTier[] | undefined;
  readonly maxEvictionRetries: number;
  readonly evictionRetryDelayMs: number;
  readonly maxQuotaRetries: number;
  readonly quotaRetryDelayMs: number;
  readonly completedPodTtlMs: number;
  readonly pendingPodDeadlineMs: number;
  readonly maxWorkerLifetimeMs: number;
}

/** How workers reach GitHub: the tenant's egress proxy and the Secret holding its CA certificate. */
export interface WorkerProxySettings {
  readonly httpProxy?: string | undefined;
  readonly httpsProxy?: string | undefined;
  readonly noProxy?: string | undefined;
  /** Secret with the proxy's `tls.crt`; only that key is projected into workers. */
  readonly caSecretName?: string | undefined;
}

/** The controller owner reference every object of a group's jobs carries. */
export function runnerGroupOwnerReference(group: Pick<ProvisionerGroup, 'name' | 'uid'>): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: RUNNER_GROUP_KIND.kind,
    name: group.name,
    uid: group.uid,
    controller: true,
  };
}
