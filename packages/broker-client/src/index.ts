// The public face of @actions-gateway/broker-client. Nothing else is importable.
export { GitHubApp } from './github-app.js';
export type { GitHubAppOptions } from './github-app.js';
export { GitHubAppAuth } from './app-auth.js';
export type { AppCredentials, InstallationToken } from './app-auth.js';
export { InstallationTokenManager, staticToken } from './token-manager.js';
export type { TokenManagerOptions, TokenSource, RefreshReason } from './token-manager.js';
export { parseGitHubUrl, joinUrl } from './urls.js';
export type { GitHubTarget, GitHubScope } from './urls.js';
export { loadPrivateKey } from './pem.js';
export { createAppJwt, createRunnerAssertion, signJwt, decodeJwtClaims } from './jwt.js';
export type { JwtClaims } from './jwt.js';
export { GitHubRestClient } from './rest.js';
export type { RestCall } from './rest.js';
export { RunnerRegistrar } from './registration.js';
export type { JitRunnerSpec, RegisteredRunner, RunnerRecord } from './registration.js';
export { decodeJitConfig } from './jit.js';
export type { JitConfig, JitRunnerSettings, JitCredentials } from './jit.js';
export { rsaParametersToKey, unwrapSessionKey, decryptMessageBody } from './crypto.js';
export type { DotNetRsaParameters, SessionEncryptionKey } from './crypto.js';
export { exchangeRunnerToken } from './oauth.js';
export type { RunnerAccessToken } from './oauth.js';
export { ClassicBrokerSession, DEFAULT_POLL_HEADERS_TIMEOUT_MS, DEFAULT_POLL_DEADLINE_MS } from './classic-session.js';
export type { ClassicSessionOptions, PollResult } from './classic-session.js';
export { parseBrokerEvent, parseTimeSpan } from './messages.js';
export type {
  BrokerEvent,
  RunnerJobRequestEvent,
  JobCancellationEvent,
  BrokerMigrationEvent,
  ForceTokenRefreshEvent,
  RunnerRefreshEvent,
  UnknownBrokerEvent,
} from './messages.js';
export { RunServiceClient, readAcquiredJob } from './run-service.js';
export type { AcquiredJob, AcquiredJobOrigin, AcquireJobRequest, JobConclusion, CompleteJobExtras } from './run-service.js';
export { ScaleSetAdminClient } from './scaleset-admin.js';
export type { ScaleSetSpec, ScaleSetAdminOptions } from './scaleset-admin.js';
export { ScaleSetSession } from './scaleset-session.js';
export type { ScaleSetSessionOptions, ScaleSetPollResult } from './scaleset-session.js';
export type { ScaleSetStatistics, RunnerScaleSet, ScaleSetJobMessage, ScaleSetJobBase, ScaleSetRejectedEntry } from './scaleset-types.js';
export { BrokerClientError, metricReason, isBrokerError } from './errors.js';
export type { BrokerErrorKind, ErrorSource, MetricReason, BrokerErrorDetails } from './errors.js';
export { errorFromResponse } from './classify.js';
export type { CallRole } from './classify.js';
export { parseRetryAfter, rateLimitFallbackMs } from './retry-after.js';
export { TwoTierBackoff, ExponentialBackoff } from './backoff.js';
export { CallGate, MIN_POLL_INTERVAL_MS } from './pacing.js';
export type { CallGateOptions } from './pacing.js';
export { httpSend, parseJsonBody, DEFAULT_MAX_BODY_BYTES, DEFAULT_CALL_DEADLINE_MS } from './http.js';
export type { HttpOptions, HttpRequest, HttpResponse } from './http.js';
export { systemClock } from './clock.js';
export type { Clock, Random } from './clock.js';
