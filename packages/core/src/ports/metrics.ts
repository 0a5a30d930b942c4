/**
 * The metrics the provisioner, the disruption handler and the reaper move, named after the seed's
 * metrics (`actions_gateway_<name>`). The shape matches the typed handles of `@actions-gateway/metrics`
 * (labels object first, snake_case label names), so the AGC can pass those handles through; core does
 * not import that package.
 */
export interface ProvisionerMetrics {
  /** `pod_creation_latency_seconds`: acquirejob success → pod Scheduled. */
  readonly podCreationLatency: { observe(labels: { namespace: string }, seconds: number): void };
  /** `job_duration_seconds`: acquirejob success → worker pod terminal phase. */
  readonly jobDuration: { observe(labels: GroupLabels, seconds: number): void };
  /** `eviction_retries_total`: a disrupted job's run re-queued (the rerun was accepted). */
  readonly evictionRetries: { inc(labels: GroupLabels): void };
  /** `eviction_retries_exhausted_total`: a disrupted job needs a manual re-run (budget spent or window passed). */
  readonly evictionRetriesExhausted: { inc(labels: GroupLabels): void };
  /** `worker_pods_reaped_total{reason}`. */
  readonly workerPodsReaped: { inc(labels: GroupLabels & { reason: ReapReason }): void };
  /** `renewjob_errors_total`. */
  readonly renewJobErrors: { inc(labels: { namespace: string }): void };
}

/** The `namespace`/`runner_group` label pair. */
export interface GroupLabels {
  namespace: string;
  runner_group: string;
}

/** The `reason` label of `worker_pods_reaped_total`: the reaper's two reasons, as the reference fixes them. */
export type ReapReason = 'completed_ttl' | 'pending_deadline';

/**
 * Why the AGC deleted a worker pod, stamped on the pod before the delete so the disruption classifier
 * never re-runs it. `job_abandoned` is the renew loop's teardown: not a reap, so it is not counted as one
 * (its cause is already counted by `renewjob_errors_total`).
 */
export type DeletionReason = ReapReason | 'job_abandoned' | 'job_cancelled';

/** Metrics that go nowhere. */
export const noopProvisionerMetrics: ProvisionerMetrics = {
  podCreationLatency: { observe: () => undefined },
  jobDuration: { observe: () => undefined },
  evictionRetries: { inc: () => undefined },
  evictionRetriesExhausted: { inc: () => undefined },
  workerPodsReaped: { inc: () => undefined },
  renewJobErrors: { inc: () => undefined },
};
