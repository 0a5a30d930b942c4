// The public face of @actions-gateway/testkit.

/** Starts the fake GitHub (REST, runner OAuth, classic broker, run service, scale-set API, control API). */
export { startFakeGitHub } from './github/server.js';
export type { FakeGitHub, FakeGitHubOptions } from './github/server.js';
/** The control surface of a running fake GitHub. */
export type { FakeGitHubControl, CreatedApp } from './github/control.js';
/** Fault-injection rule shapes. */
export type { FaultRule, FaultAction, FaultShape } from './github/faults.js';
/** Snapshots the control API returns. */
export type { JobView, RunnerView, SessionView, ScaleSetView } from './github/views.js';
/** What enqueueJob takes. */
export type { EnqueueJobSpec } from './github/world.js';
/** Recorded requests and credential kinds. */
export type { RecordedRequest, CredentialKind, RunRecord } from './github/state.js';
/** The injectable clock: the wall clock, or a manual one tests advance. */
export { realClock, manualClock } from './github/clock.js';
export type { Clock, ClockTimer, ManualClock } from './github/clock.js';
/** Timing profiles and the variable names a scripted job carries in its acquired message. */
export { PROFILES, SCRIPT_VARIABLES } from './github/config.js';
export type { FakeTimings, FakeProfile } from './github/config.js';
/** The `ag-testkit github` command. */
export { runGitHubCli } from './github/cli.js';
