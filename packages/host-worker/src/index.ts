/**
 * `@actions-gateway/worker`: the worker wrapper, PID 1 of each worker pod. It reads the job the AGC staged,
 * writes the runner files, trusts the egress proxy's CA, runs the runner worker with the job, relays
 * termination signals within a grace period and exits with the worker's outcome. The bin is
 * `worker-wrapper`; these exports let a host or a test run or reuse its parts.
 */
export { runWrapper, relayedSignals } from './wrapper.js';
export type { RunWrapperOptions, SignalSource } from './wrapper.js';
export { readWrapperConfig, wrapperDefaults } from './config.js';
export type { WrapperConfig } from './config.js';
export { createWrapperLogger } from './logging.js';
export type { LogLevel } from './logging.js';
export { WrapperError } from './errors.js';
export { decodeJitConfig, readStagedJob, runnerFileNames } from './staged-job.js';
export type { RunnerFileName, StagedJob } from './staged-job.js';
export { writeRunnerFiles } from './runner-files.js';
export { buildCaTrust, systemBundlePaths } from './ca-bundle.js';
export type { CaTrust } from './ca-bundle.js';
export { frameNewJobRequest, frameWorkerMessage, maxWorkerMessageBytes, WorkerMessageType } from './framing.js';
export { exitCodeFor, runnerWorkerResults, startWorker } from './run-worker.js';
export type { RunningWorker, StartWorkerOptions, WorkerOutcome } from './run-worker.js';
