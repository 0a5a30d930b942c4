// The public face of @actions-gateway/testkit.

/** Starts the in-process Kubernetes API server; see {@link ApiServerOptions}. */
export { startApiServer } from './apiserver/server.js';
export type { ApiServer, ApiServerOptions } from './apiserver/server.js';
/**
 * The one clock of every fake: `systemClock` (the wall clock, the default) or a `ManualClock` tests step by hand.
 * Pass the same instance as `clock` to the API server and the fake GitHub to drive both from one time line.
 */
export { ManualClock, systemClock } from './clock.js';
export type { Clock, ClockTimer } from './clock.js';
/** Direct object access on a running server. */
export { ObjectStore } from './apiserver/object-store.js';
export type { ObjectRef } from './apiserver/object-store.js';
/** Fault injection table of a running server. */
export { Faults } from './apiserver/faults.js';
export type { FaultRule, InjectedFault, Verb } from './apiserver/faults.js';
/** A timed window of API-server faults (a failing-request mix and a periodic watch cutter) for chaos tests. */
export { CHAOS_FAULT_MIX, withFaultWindow } from './apiserver/fault-window.js';
export type { FaultWindowPlan, FaultWindowResult } from './apiserver/fault-window.js';
/** Admission plugin contract, for extra plugins pushed onto `server.admission`. */
export type { AdmissionPlugin, AdmissionRequest } from './apiserver/admission.js';
/** The Status error type admission plugins throw. */
export { ApiError } from './apiserver/errors.js';
/** A throwaway CA and server certificate for loopback HTTPS (webhooks in tests). */
export { createTestCertificates } from './tls.js';
export type { TestCertificates } from './tls.js';
/** Maps a webhook's service reference to a URL. */
export type { ServiceResolver } from './apiserver/webhook.js';
/** The kubelet simulator. */
export { Kubelet } from './kubelet/kubelet.js';
export type { KubeletOptions, PodMatcher, PodOutcome } from './kubelet/kubelet.js';
/** Env var giving a local-process pod the directory its volume mount paths live under. */
export { podRootEnv } from './kubelet/local-process.js';
export type { LocalProcessOptions } from './kubelet/local-process.js';
/** In-process mode of the kubelet: a pod's first container as an async function (`KubeletOptions.inProcess`). */
export type { InProcessContainer, InProcessContext, InProcessSelector } from './kubelet/in-process.js';
/**
 * The stand-in runner worker: performs what the fake GitHub scripted for a job and completes it over the real
 * protocol; with only a JIT config it acts as a runner (session, poll, acquire, renew, complete). The bin is
 * `stand-in-runner` (`spawnclient 3 4`, as Runner.Worker).
 */
export { runStandInJob } from './stand-in/run-job.js';
export type { StandInOptions, StandInResult } from './stand-in/run-job.js';
/** Reads an acquired job message the way the stand-in does; errors name the field at fault. */
export { parseJobMessage, JobMessageError } from './stand-in/job-message.js';
export type { StandInJob } from './stand-in/job-message.js';
/** The stand-in as a kubelet in-process container, and a selector for `KubeletOptions.inProcess`. */
export { standInContainer, standInContainers } from './stand-in/in-process.js';
export type { StandInContainerOptions } from './stand-in/in-process.js';
/** The undici dispatcher the stand-in uses: env proxy routing and the wrapper's CA trust. */
export { standInDispatcher } from './stand-in/transport.js';
export type { StandInTransport } from './stand-in/transport.js';
/** Starts the fake GitHub (REST, runner OAuth, classic broker, run service, scale-set API, control API). */
export { startFakeGitHub } from './github/server.js';
export type { FakeGitHub, FakeGitHubOptions } from './github/server.js';
/** The control surface of a running fake GitHub. */
export type { FakeGitHubControl, CreatedApp } from './github/control.js';
/** Fault-injection rule shapes. */
export type { FaultRule as GitHubFaultRule, FaultAction as GitHubFaultAction, FaultShape as GitHubFaultShape } from './github/faults.js';
/** Snapshots the control API returns. */
export type { JobView, RunnerView, SessionView, ScaleSetView } from './github/views.js';
/** What enqueueJob takes. */
export type { EnqueueJobSpec } from './github/world.js';
/** Recorded requests and credential kinds. */
export type { RecordedRequest, CredentialKind, RunRecord } from './github/state.js';
/** Timing profiles and the variable names a scripted job carries in its acquired message. */
export { PROFILES, SCRIPT_VARIABLES } from './github/config.js';
export type { FakeTimings, FakeProfile } from './github/config.js';
/** The `ag-testkit github` command. */
export { runGitHubCli } from './github/cli.js';
/** Starts a real OTLP/gRPC trace receiver (the collector's TraceService/Export) on loopback, recording decoded spans. */
export { startOtlpReceiver } from './otlp/receiver.js';
export type { OtlpFailure, OtlpFailureCode, OtlpReceiver, OtlpReceiverOptions } from './otlp/receiver.js';
/** The decoded span shape the OTLP receiver records. */
export type { OtlpAttributeValue, OtlpSpan, OtlpSpanEvent, OtlpSpanKind, OtlpStatusCode } from './otlp/decode.js';
