// The public face of @actions-gateway/testkit.

/** Starts the in-process Kubernetes API server; see {@link ApiServerOptions}. */
export { startApiServer } from './apiserver/server.js';
export type { ApiServer, ApiServerOptions } from './apiserver/server.js';
/** A clock tests step by hand; pass it as `clock` to control pod lifecycles and timestamps. */
export { ManualClock, systemClock } from './apiserver/clock.js';
export type { Clock } from './apiserver/clock.js';
/** Direct object access on a running server. */
export { ObjectStore } from './apiserver/object-store.js';
export type { ObjectRef } from './apiserver/object-store.js';
/** Fault injection table of a running server. */
export { Faults } from './apiserver/faults.js';
export type { FaultRule, InjectedFault, Verb } from './apiserver/faults.js';
/** Admission plugin contract, for extra plugins pushed onto `server.admission`. */
export type { AdmissionPlugin, AdmissionRequest } from './apiserver/admission.js';
/** The Status error type admission plugins throw. */
export { ApiError } from './apiserver/errors.js';
/** A throwaway CA and server certificate for loopback HTTPS (webhooks in tests). */
export { createTestCertificates } from './apiserver/tls.js';
export type { TestCertificates } from './apiserver/tls.js';
/** Maps a webhook's service reference to a URL. */
export type { ServiceResolver } from './apiserver/webhook.js';
/** The kubelet simulator. */
export { Kubelet } from './kubelet/kubelet.js';
export type { KubeletOptions, PodMatcher, PodOutcome } from './kubelet/kubelet.js';
/** Env var giving a local-process pod the directory its volume mount paths live under. */
export { podRootEnv } from './kubelet/local-process.js';
export type { LocalProcessOptions } from './kubelet/local-process.js';
