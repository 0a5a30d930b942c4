/**
 * The metric catalogue: every metric the product emits, as data. The registry, the typed handles,
 * `docs/metrics.md` and the monitoring rules' tests all read from this one list.
 *
 * Names, types, label names and help text follow the user's observability reference exactly; they are
 * a contract with existing dashboards and alerts.
 */

/** The prom-client metric kinds the catalogue uses. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Which process family registers a metric: the controllers (GMC and AGC), the egress proxy, or both. */
export type MetricComponent = 'controller' | 'proxy' | 'shared';

/** The process that moves a metric. Documentation only; registration goes by {@link MetricComponent}. */
export type MetricEmitter = 'gmc' | 'agc' | 'egress-proxy';

/**
 * The AGC acquisition tier that moves a metric (DESIGN §3.2): `classic` (broker sessions, JIT agents, renew by
 * the AGC) or `scaleset` (one scale-set session per group, per-job JIT configs). Empty for metrics no tier
 * moves (the GMC's and the proxy's).
 */
export type AcquisitionTier = 'classic' | 'scaleset';

/** Every {@link AcquisitionTier}, in the order the docs list them. */
export const acquisitionTiers: readonly AcquisitionTier[] = ['classic', 'scaleset'];

/** The closed set of values a label may take, and where out-of-set values go at run time. */
export interface LabelDomain {
  readonly values: readonly string[];
  /** An untyped caller's unknown value is counted here; without a fallback it is rejected. */
  readonly fallback?: string;
}

/** One metric of the catalogue. */
export interface MetricDefinition {
  /** The camelCase name of the typed handle. */
  readonly key: string;
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly component: MetricComponent;
  readonly emittedBy: readonly MetricEmitter[];
  /** Which acquisition tiers emit it; `docs/metrics.md` renders it and a test checks it per tier. */
  readonly tiers: readonly AcquisitionTier[];
  readonly labelDomains?: Readonly<Record<string, LabelDomain>>;
  readonly buckets?: readonly number[];
  /** Why the buckets are where they are. */
  readonly bucketRationale?: string;
}

/** Every metric the product emits: name, type, labels, label domains, buckets and help. The single source of truth. */
export const metricCatalogue = [
  {
    key: 'activeSessions',
    name: 'actions_gateway_active_sessions',
    type: 'gauge',
    help: 'Currently open long-poll sessions. One per RunnerGroup at steady state; rises toward maxListeners during bursts.',
    labelNames: ['namespace', 'runner_group'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
  },
  {
    key: 'jobsAcquired',
    name: 'actions_gateway_jobs_acquired_total',
    type: 'counter',
    help: 'Jobs successfully acquired from the broker.',
    labelNames: ['namespace', 'runner_group'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
  },
  {
    key: 'jobAcquisitionErrors',
    name: 'actions_gateway_job_acquisition_errors_total',
    type: 'counter',
    help: 'Acquisition failures. Reason values: already_claimed (benign race), delivery_window_expired (job redelivered), version_too_old, other.',
    labelNames: ['namespace', 'reason'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
    labelDomains: {
      reason: { values: ['already_claimed', 'delivery_window_expired', 'version_too_old', 'other'], fallback: 'other' },
    },
  },
  {
    key: 'jobDuration',
    name: 'actions_gateway_job_duration_seconds',
    type: 'histogram',
    help: 'Wall time from acquirejob success to worker pod terminal phase.',
    labelNames: ['namespace', 'runner_group'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 21600],
    bucketRationale:
      'Jobs run from seconds to hours. Fine steps up to 10 min (most CI jobs), then hourly steps up to 6 h, the longest a GitHub-hosted-style job is expected to run.',
  },
  {
    key: 'podCreationLatency',
    name: 'actions_gateway_pod_creation_latency_seconds',
    type: 'histogram',
    help: 'Time from acquirejob to pod Scheduled event. Key SLO metric.',
    labelNames: ['namespace'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
    buckets: [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300],
    bucketRationale:
      'Edges at exactly 15 s and 60 s, the p95 and p99 SLO lines, so histogram_quantile answers the SLO question without interpolating across a bucket; 300 s catches stuck scheduling.',
  },
  {
    key: 'tokenRefreshes',
    name: 'actions_gateway_token_refreshes_total',
    type: 'counter',
    help: 'Successful GitHub App installation token refreshes.',
    labelNames: ['namespace'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
  },
  {
    key: 'tokenRefreshErrors',
    name: 'actions_gateway_token_refresh_errors_total',
    type: 'counter',
    help: 'Failed token refresh attempts. See SLO threshold below.',
    labelNames: ['namespace'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
  },
  {
    key: 'renewJobErrors',
    name: 'actions_gateway_renewjob_errors_total',
    type: 'counter',
    help: 'Failed renewjob calls. Leading indicator for cancelled jobs.',
    labelNames: ['namespace'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic'],
  },
  {
    key: 'evictionRetries',
    name: 'actions_gateway_eviction_retries_total',
    type: 'counter',
    help: 'Jobs automatically re-queued after worker pod eviction.',
    labelNames: ['namespace', 'runner_group'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
  },
  {
    key: 'evictionRetriesExhausted',
    name: 'actions_gateway_eviction_retries_exhausted_total',
    type: 'counter',
    help: 'Eviction retries exhausted; job requires manual re-run.',
    labelNames: ['namespace', 'runner_group'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
  },
  {
    key: 'workerPodsReaped',
    name: 'actions_gateway_worker_pods_reaped_total',
    type: 'counter',
    help: 'Worker pods deleted by the lifecycle reaper. reason="completed_ttl" is routine cleanup after completedPodTTL; reason="pending_deadline" means a pod was stuck Pending past pendingPodDeadline and its job was cancelled — each such reap also emits a WorkerPodStuckPending Warning Event on the RunnerGroup.',
    labelNames: ['namespace', 'runner_group', 'reason'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
    labelDomains: { reason: { values: ['completed_ttl', 'pending_deadline'] } },
  },
  {
    key: 'messagePollErrors',
    name: 'actions_gateway_message_poll_errors_total',
    type: 'counter',
    help: 'GetMessage errors (excludes empty polls and session expiry — those are normal). reason="rate_limited" is a 429; reason="timeout" is a black-holed long-poll the broker accepted but never answered, bounded by the client response-header deadline and retried (see Listener Stalls After a Black-Holed Broker Connection); reason="other" is any remaining transport/decode error.',
    labelNames: ['namespace', 'reason'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic', 'scaleset'],
    labelDomains: { reason: { values: ['rate_limited', 'timeout', 'other'], fallback: 'other' } },
  },
  {
    key: 'agentRecycles',
    name: 'actions_gateway_agent_recycles_total',
    type: 'counter',
    help: 'Single-use JIT agents re-registered. trigger="post_job" is routine (one per completed job); stale_session/startup mean a dead agent was detected and healed after the fact; reconcile_repair means a parked agent was repaired by the reconciler.',
    labelNames: ['namespace', 'runner_group', 'trigger'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic'],
    labelDomains: { trigger: { values: ['post_job', 'stale_session', 'startup', 'reconcile_repair'] } },
  },
  {
    key: 'agentRecycleErrors',
    name: 'actions_gateway_agent_recycle_errors_total',
    type: 'counter',
    help: 'Failed agent re-registration attempts. Sustained growth shrinks listener capacity — see the runbook.',
    labelNames: ['namespace', 'runner_group'],
    component: 'controller',
    emittedBy: ['agc'],
    tiers: ['classic'],
  },
  {
    key: 'reconcileErrors',
    name: 'actions_gateway_reconcile_errors_total',
    type: 'counter',
    help: 'GMC/AGC reconcile errors. Non-zero values deserve investigation.',
    labelNames: ['controller', 'resource'],
    component: 'controller',
    emittedBy: ['gmc', 'agc'],
    tiers: ['classic', 'scaleset'],
  },
  {
    key: 'ipRangeUpdates',
    name: 'actions_gateway_ip_range_updates_total',
    type: 'counter',
    help: 'NetworkPolicy egress rule refreshes from GitHub meta API.',
    labelNames: ['namespace'],
    component: 'controller',
    emittedBy: ['gmc'],
    tiers: [],
  },
  {
    key: 'managedGateways',
    name: 'actions_gateway_managed_gateways',
    type: 'gauge',
    help: 'Total ActionsGateway CRs currently managed by the GMC.',
    labelNames: [],
    component: 'controller',
    emittedBy: ['gmc'],
    tiers: [],
  },
  {
    key: 'proxyConnectionsActive',
    name: 'actions_gateway_proxy_connections_active',
    type: 'gauge',
    help: 'Currently open CONNECT tunnels.',
    labelNames: [],
    component: 'proxy',
    emittedBy: ['egress-proxy'],
    tiers: [],
  },
  {
    key: 'proxyConnections',
    name: 'actions_gateway_proxy_connections_total',
    type: 'counter',
    help: 'Total CONNECT tunnels opened.',
    labelNames: [],
    component: 'proxy',
    emittedBy: ['egress-proxy'],
    tiers: [],
  },
  {
    key: 'proxyDialErrors',
    name: 'actions_gateway_proxy_dial_errors_total',
    type: 'counter',
    help: 'Upstream dial failures (e.g. blocked-destination attempts).',
    labelNames: [],
    component: 'proxy',
    emittedBy: ['egress-proxy'],
    tiers: [],
  },
  {
    key: 'proxyTunnelDuration',
    name: 'actions_gateway_proxy_tunnel_duration_seconds',
    type: 'histogram',
    help: 'Tunnel lifetime, observed at close. Buckets reach 21600s (the 6h absolute lifetime cap).',
    labelNames: [],
    component: 'proxy',
    emittedBy: ['egress-proxy'],
    tiers: [],
    buckets: [0.1, 0.5, 1, 5, 10, 60, 300, 1800, 3600, 21600],
    bucketRationale:
      'Short tunnels (API calls) below 10 s, the 300 s edge is the idle timeout, and 21600 s is the absolute lifetime cap, so mass in the last buckets shows tunnels cut by a limit.',
  },
  {
    key: 'buildInfo',
    name: 'actions_gateway_build_info',
    type: 'gauge',
    help: 'Always 1; the labels say which version of which component is running.',
    labelNames: ['version', 'component'],
    component: 'shared',
    emittedBy: ['gmc', 'agc', 'egress-proxy'],
    tiers: ['classic', 'scaleset'],
  },
] as const satisfies readonly MetricDefinition[];

/** One entry of the catalogue, with its literal types kept. */
export type CatalogueEntry = (typeof metricCatalogue)[number];

/** The handle keys a component's registry carries. */
export type MetricKeyOf<C extends 'controller' | 'proxy'> = Extract<CatalogueEntry, { component: C | 'shared' }>['key'];

/** The catalogue entries a component registers: its own and the shared ones. */
export function catalogueFor(component: 'controller' | 'proxy'): readonly CatalogueEntry[] {
  return metricCatalogue.filter((m) => m.component === component || m.component === 'shared');
}

/** The catalogue entries an acquisition tier emits (its `tiers` include it). */
export function metricsOfTier(tier: AcquisitionTier): readonly CatalogueEntry[] {
  return metricCatalogue.filter((m) => (m.tiers as readonly AcquisitionTier[]).includes(tier));
}
