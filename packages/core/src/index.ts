// The public face of @actions-gateway/core. Explicit named exports only.

// API: group, kinds, types, schemas, defaults, durations, conditions.
export {
  API_GROUP,
  API_VERSION,
  API_VERSION_V1ALPHA1,
  ACTIONS_GATEWAY_KIND,
  RUNNER_GROUP_KIND,
  API_CATEGORY,
  ALLOW_PROFILE_DOWNGRADE_ANNOTATION,
  GMC_FINALIZER,
  AGENT_POOL_FINALIZER,
  TENANT_NAMESPACE_LABEL,
} from './api/group.js';
export type {
  ActionsGateway,
  ActionsGatewaySpec,
  ActionsGatewayStatus,
  AcquisitionProtocol,
  Condition,
  DefaultedActionsGatewaySpec,
  DefaultedProxySpec,
  DefaultedRunnerGroupSpec,
  GitHubAppRef,
  PriorityTier,
  ProxySpec,
  RunnerGroup,
  RunnerGroupSpec,
  RunnerGroupStatus,
  RunnerGroupTemplate,
  SecurityProfile,
  TracingSampler,
  TracingSpec,
} from './api/types.js';
export type {
  Container,
  ContainerSecurityContext,
  EnvVar,
  KubeObject,
  ObjectMeta,
  OwnerReference,
  PodSecurityContext,
  PodSpec,
  PodTemplateSpec,
  ResourceRequirements,
} from './api/kube-types.js';
export type { CelRule, DurationBounds, SchemaNode } from './api/schema-types.js';
export { toCrdSchema } from './api/schema-types.js';
export {
  actionsGatewaySchema,
  actionsGatewaySpecSchema,
  MAX_RUNNER_GROUPS,
  TRACING_SAMPLERS,
} from './api/actions-gateway-schema.js';
export {
  runnerGroupSchema,
  runnerGroupSpecSchema,
  runnerGroupTemplateSchema,
  MAX_PRIORITY_TIERS,
  MAX_SPARE_AGENTS,
} from './api/runner-group-schema.js';
export { podTemplateSchema } from './api/pod-template-schema.js';
export { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN } from './api/schema-parts.js';
export {
  ACTIONS_GATEWAY_DEFAULTS,
  RUNNER_GROUP_DEFAULTS,
  PROXY_RESOURCE_DEFAULTS,
  AGC_RESOURCES,
} from './api/defaults.js';
export {
  applyDefaults,
  applySchemaDefaults,
  applyActionsGatewayDefaults,
  applyRunnerGroupDefaults,
  applyRunnerGroupSpecDefaults,
} from './api/apply-defaults.js';
export { parseDuration, tryParseDuration, formatDuration, DurationError, DURATION_PATTERN } from './api/duration.js';
export {
  GatewayConditionType,
  GatewayConditionReason,
  RunnerGroupConditionType,
  RunnerGroupConditionReason,
  GatewayEventReason,
} from './api/conditions.js';
export type { ConditionInput } from './api/condition-set.js';
export { setCondition, findCondition } from './api/condition-set.js';

// Naming.
export {
  boundedDnsLabel,
  boundedLabelValue,
  runnerGroupObjectName,
  shortHash,
  MAX_DNS_LABEL_LENGTH,
} from './naming/bounded-name.js';
export {
  TenantNames,
  Labels,
  GITHUB_APP_SECRET_ANNOTATION,
  PSA_FIELD_MANAGER,
  managedLabels,
  proxyServiceHost,
} from './naming/names.js';

// Validation.
export type { ValidationContext, ValidationResult, ValidationRule, Violation } from './validation/types.js';
export { DEFAULT_RESERVED_NAMESPACES } from './validation/types.js';
export { validateActionsGateway, validateRunnerGroup, formatViolations } from './validation/validate.js';
export { RESERVED_RUNNER_ENV, RESERVED_WORKER_VOLUMES } from './validation/worker-template.js';
export { securityProfileRank } from './validation/gateway-rules.js';

// CRDs.
export { actionsGatewayCrd, runnerGroupCrd, crdManifests } from './api/crd.js';

// Desired state of a gateway (the GMC's builders).
export type { GatewayBuildInputs, GatewayCertificates, TlsBundle, TlsPair } from './gateway/inputs.js';
export type { DesiredObject, GatewayDesiredState } from './gateway/desired-state.js';
export { buildGatewayDesiredState } from './gateway/desired-state.js';
export { buildServiceAccounts, buildRoleBinding } from './gateway/rbac.js';
export { buildTlsSecrets } from './gateway/secrets.js';
export type { ProxyDeploymentOptions } from './gateway/proxy.js';
export {
  buildProxyDeployment,
  buildProxyService,
  buildProxyPdb,
  buildProxyHpa,
  proxyResources,
  PROXY_CERT_HASH_ANNOTATION,
} from './gateway/proxy.js';
export { buildAgcDeployment, buildAgcService, AgcMounts } from './gateway/agc.js';
export {
  agcEnv,
  agcExtraEnvFrom,
  proxyUrl,
  AGC_EXTRA_ENV_PREFIX,
  MANDATORY_NO_PROXY,
  RUNNER_VERSION,
} from './gateway/agc-env.js';
export { tracingEnv, renderResourceAttributes, TRACING_ENV } from './gateway/tracing-env.js';
export {
  buildProxyNetworkPolicy,
  buildWorkloadNetworkPolicy,
  buildControllerNetworkPolicy,
} from './gateway/network-policies.js';
export { buildRunnerGroups, ownedSelector, runnerGroupsToPrune, RUNNER_GROUP_ENTRY_LABEL } from './gateway/runner-groups.js';
export { psaNamespaceLabels, buildNamespacePsaApply } from './gateway/namespace.js';
export type { TeardownDelete, TeardownPlan } from './gateway/teardown.js';
export { buildTeardownPlan } from './gateway/teardown.js';
export type { GatewayStatusResult, ObservedGateway } from './gateway/status.js';
export { computeGatewayStatus } from './gateway/status.js';
export { gatewayOwnerReference } from './gateway/meta.js';
export { AGC_METRICS_PORT, HEALTH_PORT, PROXY_PORT } from './gateway/ports.js';

// Provisioner: ports, admission, worker pod, job lifecycle, disruption re-runs, reaper.
export type { KubernetesPort, KubernetesEvent } from './ports/kubernetes.js';
export { KubernetesApiError, isQuotaExceeded, isConflict } from './ports/kubernetes.js';
export type {
  ContainerStatus,
  KubeTime,
  LimitRange,
  LimitRangeItem,
  ObservedMeta,
  Pod,
  PodCondition,
  PodStatus,
  ResourceList,
  ResourceQuota,
  Secret,
} from './ports/k8s-objects.js';
export type {
  AcquireOutcome,
  BrokerCallOutcome,
  JobBrokerPort,
  JobConclusion,
  JobLease,
  JobMessage,
  RenewOutcome,
} from './ports/broker.js';
export type { RerunOutcome, RunRef, RunStatusOutcome, WorkflowRunsPort } from './ports/github.js';
export type { Clock } from './ports/clock.js';
export { systemClock } from './ports/clock.js';
export type { Logger } from './ports/logger.js';
export { silentLogger } from './ports/logger.js';
export type { DeletionReason, GroupLabels, ProvisionerMetrics, ReapReason } from './ports/metrics.js';
export { noopProvisionerMetrics } from './ports/metrics.js';
export type { NanoQuantity } from './admission/quantity.js';
export { parseQuantity, formatQuantity, quantityToNumber, QuantityError } from './admission/quantity.js';
export type { PodResourceNeeds } from './admission/pod-resources.js';
export { effectiveRequirements, podResourceNeeds } from './admission/pod-resources.js';
export type { QuotaAssessment } from './admission/quota.js';
export { assessQuota } from './admission/quota.js';
export type { CeilingDecision, CeilingSettings } from './admission/ceiling.js';
export { decideCeiling } from './admission/ceiling.js';
export type { AdmissionAssessment, AdmissionDecision, AdmissionSnapshot } from './admission/admission.js';
export { assessAdmission, checkAdmission, readAdmissionSnapshot, isActiveWorkerPod } from './admission/admission.js';
export type { ProvisionerGroup, WorkerProxySettings } from './workerpod/group.js';
export { runnerGroupOwnerReference } from './workerpod/group.js';
export type { WorkerHostSettings } from './workerpod/resolve-group.js';
export { resolveProvisionerGroup, DEFAULT_WORKER_IMAGE } from './workerpod/resolve-group.js';
export type { WorkerJob } from './workerpod/build-pod.js';
export { buildWorkerPod, PAYLOAD_MOUNT_PATH, PROXY_CA_MOUNT_PATH, DEFAULT_WORKER_RESOURCES } from './workerpod/build-pod.js';
export type { JobSecretContent } from './workerpod/job-secret.js';
export { buildJobSecret, readJobSecret } from './workerpod/job-secret.js';
export { applySecurityDefaults, DEFAULT_RUNNER_UID } from './workerpod/security.js';
export { jobSecretName, workerPodName, planIdLabelValue } from './workerpod/names.js';
export {
  LABEL_RUN_ID,
  ANNOTATION_PLAN_ID,
  ANNOTATION_RUN_ID,
  ANNOTATION_REPOSITORY,
  ANNOTATION_DELETION_REASON,
  runnerGroupLabelValue,
  workerPodSelector,
} from './workerpod/labels.js';
export type { WorkerPodJobRef } from './workerpod/pod-job.js';
export { jobRefOfPod } from './workerpod/pod-job.js';
export type { JobRunInfo, JobRunLookup, PayloadProblem } from './provisioner/payload.js';
export { readJobRun, parseRepository } from './provisioner/payload.js';
export type { LinkedSignal } from './signals/link-signals.js';
// Signals: one aborting with any of several, without AbortSignal.any's leak on long-lived sources.
export { linkSignals, linkedSignalCount } from './signals/link-signals.js';
export type { CreatePodResult, QuotaRetryOptions } from './provisioner/quota-retry.js';
export { createPodWithQuotaRetry } from './provisioner/quota-retry.js';
export type { RenewLoop, RenewLoopEnd, RenewLoopOptions } from './provisioner/renew-loop.js';
export { startRenewLoop, RENEW_INTERVAL_MS, RENEW_CALL_TIMEOUT_MS, RENEW_MAX_CONSECUTIVE_FAILURES, RENEW_GONE_GRACE_MS } from './provisioner/renew-loop.js';
export type { ProvisionJob, ProvisionOptions, ProvisionPorts, ProvisionResult } from './provisioner/provision.js';
export { provision } from './provisioner/provision.js';
export {
  PROVISION_SPAN,
  STAGE_JOB_SECRET_SPAN,
  COUNT_ACTIVE_PODS_SPAN,
  CREATE_POD_SPAN,
  WAIT_FOR_COMPLETION_SPAN,
  ProvisionAttributes,
} from './provisioner/tracing.js';
export type { ClassifyContext, DisruptionCause, FinishedPodClass } from './disruption/classify.js';
export { classifyFinishedPod, disruptionStartedAt, JOB_CANCELLED_REASON } from './disruption/classify.js';
export type { RerunBudgetStore } from './disruption/budget.js';
export { InMemoryRerunBudgetStore } from './disruption/budget.js';
export type { RerunRequest, RerunResult, RerunnerDeps } from './disruption/rerun.js';
export { DisruptionRerunner, RERUN_WINDOW_MS, RERUN_RETRY_INTERVAL_MS } from './disruption/rerun.js';
export type { OrphanDecision } from './disruption/orphan.js';
export { decideOrphanedPod } from './disruption/orphan.js';
export type { ReapAction, ReapPlan, ReaperSettings } from './reaper/plan.js';
export { planReaping } from './reaper/plan.js';
export type { ReaperDeps, ReaperGroup } from './reaper/execute.js';
export { executeReaping, stuckPendingMessage } from './reaper/execute.js';
export { stampAndDeletePod } from './reaper/delete.js';
