/**
 * `@actions-gateway/operator`: the controller runtime on `@kubernetes/client-node` (informers, work
 * queue, controller, leader election, finalizers, status, Events), the HTTP servers, logging and
 * tracing wiring shared by the `gmc` and `agc` hosts.
 */
export { systemClock, sleep } from './runtime/clock.js';
export type { Clock, TimerHandle } from './runtime/clock.js';
export { Backoff, parseRetryAfter } from './runtime/backoff.js';
export type { BackoffOptions } from './runtime/backoff.js';
export { KubeError, isConflict, isNotFound, kubeErrorFrom, toKubeError } from './runtime/kube-error.js';
export { silentLogger } from './runtime/logger.js';
export type { LogFn, RuntimeLogger } from './runtime/logger.js';
export { objectKey, splitKey } from './runtime/object.js';
export type { KubeObject, ObjectMeta } from './runtime/object.js';
export { Store } from './runtime/store.js';
export type { IndexFunc } from './runtime/store.js';
export { Informer, WATCH_IDLE_TIMEOUT_MS } from './runtime/informer.js';
export type { InformerHandlers, InformerOptions, InformerStats } from './runtime/informer.js';
export { ItemExponentialRateLimiter, MaxOfRateLimiter, TokenBucketRateLimiter, defaultControllerRateLimiter } from './runtime/rate-limiter.js';
export type { RateLimiter } from './runtime/rate-limiter.js';
export { WorkQueue } from './runtime/workqueue.js';
export type { WorkQueueOptions } from './runtime/workqueue.js';
export { controllerRuntimeMetrics, workQueueMetrics } from './runtime/runtime-metrics.js';
export type { ControllerRuntimeMetrics, ReconcileResultLabel, WorkQueueMetrics } from './runtime/runtime-metrics.js';
export { Controller } from './runtime/controller.js';
export type { ControllerOptions, KeyMapper, ReconcileResult, Reconciler } from './runtime/controller.js';
export { CustomResourceClient } from './runtime/custom-resource.js';
export type { ResourceType } from './runtime/custom-resource.js';
export { ensureFinalizer, hasFinalizer, removeFinalizer } from './runtime/finalizers.js';
export type { ObjectAccess } from './runtime/finalizers.js';
export { setConditions, updateStatus } from './runtime/status.js';
export type { Condition, StatusAccess } from './runtime/status.js';
export { EventRecorder } from './runtime/events.js';
export type { EventRecorderOptions, EventType } from './runtime/events.js';
export {
  LeaderElector,
  defaultLeaderElectionTimings,
  leaderIdentity,
  validateLeaderElectionTimings,
} from './runtime/leader-election.js';
export type { LeaderElectionTimings, LeaderElectorOptions } from './runtime/leader-election.js';
export { parseBindAddress } from './http/bind-address.js';
export type { BindAddress } from './http/bind-address.js';
export { listen } from './http/serve.js';
export type { RunningServer } from './http/serve.js';
export { startMetricsServer } from './http/metrics-server.js';
export { startHealthServer } from './http/health-server.js';
export type { HealthCheck, HealthChecks } from './http/health-server.js';
export { createLogger, redactedPaths } from './logging/logger.js';
export type { LogLevel, LoggerOptions } from './logging/logger.js';
export { loggerOptionsFromZap } from './logging/zap-flags.js';
export type { ZapFlags } from './logging/zap-flags.js';
export { parseResourceAttributes, startTracing, tracingEnabled } from './tracing/tracing.js';
export type { TracingHandle, TracingOptions } from './tracing/tracing.js';
export { helpText, parseDuration, parseFlags } from './cli/flags.js';
export type { FlagSpec, FlagValues, ParseResult } from './cli/flags.js';
export { reviewActionsGateway, BadAdmissionRequest } from './gmc/admission.js';
export type { AdmissionPolicy, AdmissionReview } from './gmc/admission.js';
export { WEBHOOK_PATH, startWebhookServer } from './gmc/webhook-server.js';
export type { WebhookCertSource, WebhookServerOptions } from './gmc/webhook-server.js';
export {
  CERT_RENEW_BEFORE_MS,
  CERT_VALIDITY_MS,
  certNeedsRenewal,
  generateMetricsBundle,
  generateProxyCert,
  generateServingCert,
  serviceDnsNames,
} from './gmc/certs.js';
export type { CertPair, MetricsBundle } from './gmc/certs.js';
export { IpRangeCache, IpRangeRefresher, fetchGitHubCidrs, isCidr } from './gmc/ip-ranges.js';
export type { IpRangeRefresherOptions } from './gmc/ip-ranges.js';
export { GMC_FIELD_MANAGER, ObjectWriter } from './gmc/kube-objects.js';
export { tenantCertificates } from './gmc/tenant-certs.js';
export { applyCidrsToGateways } from './gmc/ip-apply.js';
export { ACTIONS_GATEWAY_RESOURCE, GatewayReconciler } from './gmc/reconciler.js';
export type { GatewayReconcilerOptions } from './gmc/reconciler.js';
export { gmcFlagSpecs, parseGmcConfig } from './gmc/flags.js';
export type { GmcConfig } from './gmc/flags.js';
export { GMC_LEASE_NAME, GMC_VERSION, startGmc } from './gmc/main.js';
export type { GmcProcess, GmcTuning } from './gmc/main.js';
/** The AGC's implementations of core's ports (Kubernetes, classic job broker, workflow runs). */
export { WORKER_POD_SELECTOR, createKubernetesPort } from './agc/ports/kubernetes-port.js';
export type { ClosableKubernetesPort, KubernetesPortOptions } from './agc/ports/kubernetes-port.js';
export type { PodSource } from './agc/ports/pod-waiters.js';
export { QuotaCache } from './agc/ports/quota-cache.js';
export type { QuotaCacheOptions, QuotaCacheStats } from './agc/ports/quota-cache.js';
export { toKubernetesApiError } from './agc/ports/kube-call.js';
export { createJobBrokerPort } from './agc/ports/job-broker-port.js';
export type { JobAcquirer, JobBrokerPortOptions } from './agc/ports/job-broker-port.js';
export { createWorkflowRunsPort } from './agc/ports/workflow-runs-port.js';
export type { WorkflowRunsPortOptions } from './agc/ports/workflow-runs-port.js';
/** The agc host: configuration, GitHub access, the RunnerGroup controller and the process. */
export { DEFAULT_GITHUB_APP_DIR, DEFAULT_PROXY_CA_FILE, agcFlagSpecs, parseAgcConfig } from './agc/config/flags.js';
export type { AgcConfig, AgcProxyEnv } from './agc/config/flags.js';
export { readAppCredentials } from './agc/config/credentials.js';
export type { AppCredentialFiles } from './agc/config/credentials.js';
export { createGitHubDispatcher } from './agc/config/github-transport.js';
export type { GitHubTransportOptions } from './agc/config/github-transport.js';
export { createGitHubAccess } from './agc/config/github-access.js';
export type { AgcGitHub, GitHubAccessOptions } from './agc/config/github-access.js';
export { NO_SESSION_REQUEUE_MS, RECONCILE_SPAN, RUNNER_GROUP_RESOURCE, RunnerGroupReconciler } from './agc/controller/reconciler.js';
export type { RunnerGroupObject, RunnerGroupReconcilerOptions } from './agc/controller/reconciler.js';
export { LISTENER_START_FAILED_REASON, TIER_UNAVAILABLE_REASON, computeRunnerGroupStatus, readyCondition } from './agc/controller/status.js';
export type { ObservedGroup } from './agc/controller/status.js';
export { RUNNER_GROUP_LABEL_INDEX, podToRunnerGroup, runnerGroupLabelIndexer } from './agc/controller/pod-mapping.js';
export { AGC_EVENT_CONTROLLER, AGC_SERVICE_NAME, AGC_VERSION, INITIAL_TOKEN_TIMEOUT_MS, startAgc } from './agc/main.js';
export type { AgcHostOptions, AgcProcess } from './agc/main.js';
export { InFlightJobs } from './agc/listener/in-flight-jobs.js';
export type { GitHubAccess, GroupListener, ListenerContext, ListenerGroup, ListenerStopReason, ListenerTierFactory } from './agc/listener/group-listener.js';
/** The classic acquisition tier (agent pool of JIT runners, multiplexed broker sessions, claim-what-fits listeners). */
export { createClassicListenerTier } from './agc/classic/classic-tier.js';
export type { ClassicTierOptions, ClassicGroupListener } from './agc/classic/classic-tier.js';
export { DEFAULT_CLASSIC_TIMINGS } from './agc/classic/timings.js';
export type { ClassicTierTimings } from './agc/classic/timings.js';
export type { AgentSecretStore } from './agc/classic/agent-secret-store.js';
/** The scale-set acquisition tier (`acquisitionProtocol: ScaleSet`): its factory, state store and names. */
export { createScaleSetListenerTier, wireClock } from './agc/scaleset/factory.js';
export type { ScaleSetTierOptions } from './agc/scaleset/factory.js';
export { ScaleSetListener } from './agc/scaleset/scale-set-listener.js';
export type { ScaleSetListenerDeps, ScaleSetListenerSettings } from './agc/scaleset/scale-set-listener.js';
export { createConfigMapStateStore, scaleSetStateName } from './agc/scaleset/state-store.js';
export type { ConfigMapStateStoreOptions, ScaleSetRef, ScaleSetState, ScaleSetStateChange, ScaleSetStateStore } from './agc/scaleset/state-store.js';
export type { ScaleSetJobPhase, ScaleSetJobRecord } from './agc/scaleset/job-record.js';
export { scaleSetName, ownerLabel } from './agc/scaleset/scale-set-binding.js';
