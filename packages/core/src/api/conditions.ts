// Condition types and reasons, as named constants (the Go original used string literals).

/** ActionsGateway condition types. */
export const GatewayConditionType = {
  /** ProxyAvailable ∧ AGCAvailable ∧ credential present ∧ spec valid. */
  Ready: 'Ready',
  /** True while the GitHub App Secret is missing. */
  CredentialUnavailable: 'CredentialUnavailable',
  ProxyAvailable: 'ProxyAvailable',
  AGCAvailable: 'AGCAvailable',
  /** True while the spec fails validation (the webhook was bypassed); nothing is provisioned. */
  InvalidSpec: 'InvalidSpec',
} as const;

/** ActionsGateway condition reasons. */
export const GatewayConditionReason = {
  AllAvailable: 'AllAvailable',
  SecretFound: 'SecretFound',
  SecretNotFound: 'SecretNotFound',
  CredentialUnavailable: 'CredentialUnavailable',
  ProxyReady: 'ProxyReady',
  ProxyNotReady: 'ProxyNotReady',
  AGCReady: 'AGCReady',
  AGCNotReady: 'AGCNotReady',
  InvalidSpec: 'InvalidSpec',
  SpecValid: 'SpecValid',
  /** Ready=False while the proxy or the AGC is not available yet. */
  Provisioning: 'Provisioning',
} as const;

/** RunnerGroup condition types. */
export const RunnerGroupConditionType = {
  Ready: 'Ready',
  Degraded: 'Degraded',
  RateLimited: 'RateLimited',
  RunnerVersionTooOld: 'RunnerVersionTooOld',
  /** True while the spec fails validation (e.g. tiers out of order on a directly created RunnerGroup). */
  InvalidSpec: 'InvalidSpec',
} as const;

/** RunnerGroup condition reasons. */
export const RunnerGroupConditionReason = {
  ListenerActive: 'ListenerActive',
  NoActiveSessions: 'NoActiveSessions',
  Unauthorized: 'Unauthorized',
  AgentRecycled: 'AgentRecycled',
  Healthy: 'Healthy',
  SustainedRateLimit: 'SustainedRateLimit',
  RateLimitCleared: 'RateLimitCleared',
  VersionTooOld: 'VersionTooOld',
  VersionAccepted: 'VersionAccepted',
  InvalidSpec: 'InvalidSpec',
  SpecValid: 'SpecValid',
  /** Degraded (scale-set tier): a scale set of this name in the org belongs to someone else; no session. */
  ScaleSetNameConflict: 'ScaleSetNameConflict',
  /** Degraded (scale-set tier): another process holds the scale set's one session (409); retrying. */
  ScaleSetSessionConflict: 'ScaleSetSessionConflict',
  /** Degraded (scale-set tier): the scale set was deleted behind the AGC's back; recreating it. */
  ScaleSetDeleted: 'ScaleSetDeleted',
  /** Degraded (scale-set tier): the queue delivered a message the cursor had already passed; skipped. */
  ScaleSetStaleMessage: 'ScaleSetStaleMessage',
} as const;

/** Event reasons the GMC emits. */
export const GatewayEventReason = {
  NamespaceMarkerMissing: 'NamespaceMarkerMissing',
  PSALabelsOverridden: 'PSALabelsOverridden',
  TeardownIncomplete: 'TeardownIncomplete',
  InvalidSpec: 'InvalidSpec',
} as const;
