import { applyRunnerGroupDefaults } from '../api/apply-defaults.js';
import { parseDuration } from '../api/duration.js';
import { MAX_SPARE_AGENTS } from '../api/runner-group-schema.js';
import type { RunnerGroup, SecurityProfile } from '../api/types.js';
import type { ProvisionerGroup, WorkerProxySettings } from './group.js';

/** The worker image when neither the RunnerGroup nor the AGC's `WORKER_IMAGE` names one. */
export const DEFAULT_WORKER_IMAGE =
  'ghcr.io/actions/actions-runner:2.335.1@sha256:08c30b0a7105f64bddfc485d2487a22aa03932a791402393352fdf674bda2c29';

/** What the AGC adds from its own configuration. */
export interface WorkerHostSettings {
  /** The AGC's `WORKER_IMAGE`; falls back to {@link DEFAULT_WORKER_IMAGE}. */
  readonly workerImage?: string | undefined;
  /** The gateway's `securityProfile` (the AGC's `SECURITY_PROFILE`). */
  readonly securityProfile: SecurityProfile;
  readonly serviceAccountName?: string | undefined;
  readonly proxy: WorkerProxySettings;
}

/**
 * The provisioner's view of a RunnerGroup: schema defaults applied, durations parsed to milliseconds.
 * Throws a DurationError naming the field when a duration does not parse, and a RangeError naming
 * `spec.spareAgents` when it is out of range (the webhook and the CRD schema prevent both).
 */
export function resolveProvisionerGroup(rg: RunnerGroup, host: WorkerHostSettings): ProvisionerGroup {
  const spec = applyRunnerGroupDefaults(rg).spec;
  // Read by the classic listener, not the provisioner; checked here so a spec nothing validated gets InvalidSpec.
  if (!Number.isInteger(spec.spareAgents) || spec.spareAgents < 0 || spec.spareAgents > MAX_SPARE_AGENTS) {
    throw new RangeError(`spec.spareAgents: must be a whole number from 0 to ${MAX_SPARE_AGENTS}, got ${JSON.stringify(spec.spareAgents)}`);
  }
  const name = rg.metadata.name ?? '';
  return {
    namespace: rg.metadata.namespace ?? '',
    name,
    uid: rg.metadata.uid ?? '',
    podTemplate: spec.podTemplate,
    workerImage: spec.workerImage || host.workerImage || DEFAULT_WORKER_IMAGE,
    securityProfile: host.securityProfile,
    serviceAccountName: host.serviceAccountName,
    proxy: host.proxy,
    maxWorkers: spec.maxWorkers,
    priorityTiers: spec.priorityTiers,
    maxEvictionRetries: spec.maxEvictionRetries,
    evictionRetryDelayMs: parseDuration(spec.evictionRetryDelay, 'spec.evictionRetryDelay'),
    maxQuotaRetries: spec.maxQuotaRetries,
    quotaRetryDelayMs: parseDuration(spec.quotaRetryDelay, 'spec.quotaRetryDelay'),
    completedPodTtlMs: parseDuration(spec.completedPodTTL, 'spec.completedPodTTL'),
    pendingPodDeadlineMs: parseDuration(spec.pendingPodDeadline, 'spec.pendingPodDeadline'),
    maxWorkerLifetimeMs: parseDuration(spec.maxWorkerLifetime, 'spec.maxWorkerLifetime'),
  };
}
