// The wrapper's whole run: staged job → runner files → CA trust → runner worker → exit code.
import { constants } from 'node:os';
import type { Logger } from 'pino';
import { buildCaTrust } from './ca-bundle.js';
import type { WrapperConfig } from './config.js';
import { WrapperError } from './errors.js';
import { exitCodeFor, runnerWorkerResults, startWorker, type RunningWorker } from './run-worker.js';
import { writeRunnerFiles } from './runner-files.js';
import { readStagedJob } from './staged-job.js';

/** Signals the wrapper relays to the runner worker. */
export const relayedSignals = ['SIGTERM', 'SIGINT'] as const;

/** Where the wrapper listens for signals; `process` in the bin. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** What {@link runWrapper} needs besides the configuration. */
export interface RunWrapperOptions {
  readonly logger: Logger;
  /** The environment the runner worker inherits (the CA variables are added). Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: `process`. */
  readonly signals?: SignalSource;
}

const signalExitCode = (signal: NodeJS.Signals): number => 128 + (constants.signals[signal] ?? 0);

/**
 * Runs one job: reads the staged job, writes the runner files, builds the CA trust, runs the runner worker
 * with the job and returns the exit code the process should end with (the worker's own code, 128 + signal
 * when it was killed, 1 when the wrapper itself failed). Never throws.
 */
export async function runWrapper(config: WrapperConfig, options: RunWrapperOptions): Promise<number> {
  const { logger } = options;
  const signals = options.signals ?? process;
  let worker: RunningWorker | undefined;
  let earlySignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (worker) worker.terminate(signal);
    else earlySignal ??= signal;
  };
  for (const signal of relayedSignals) signals.on(signal, onSignal);

  try {
    for (const warning of config.warnings) logger.warn(warning);
    const job = readStagedJob(config.payloadDir);
    const log = job.planId ? logger.child({ planId: job.planId }) : logger;
    log.info({ payloadDir: config.payloadDir, payloadBytes: Buffer.byteLength(job.payload) }, 'staged job read');

    if (job.ignoredNames.length > 0) log.warn({ names: job.ignoredNames }, 'jitconfig entries that are not runner files were ignored');
    if (job.runnerFiles === undefined) {
      log.warn({ payloadDir: config.payloadDir }, 'no jitconfig staged; runner files not written');
    } else {
      const written = writeRunnerFiles(config.runnerHome, job.runnerFiles);
      log.info({ files: written }, 'runner files written');
    }

    const trust = buildCaTrust(config.proxyCaPath, config.runnerHome);
    if (trust) log.info({ bundle: trust.bundlePath, systemBundle: trust.systemBundle ?? null }, 'proxy CA trusted');
    else if (config.proxyCaPath !== undefined) log.warn({ proxyCaPath: config.proxyCaPath }, 'proxy CA file missing or empty; not trusted');

    if (earlySignal) {
      log.info({ signal: earlySignal }, 'stopped before the runner worker started');
      return signalExitCode(earlySignal);
    }

    const env = { ...(options.env ?? process.env), ...trust?.env };
    // Names only: values may be anything the pod template set.
    log.debug({ envNames: Object.keys(env).sort(), runnerHome: config.runnerHome }, 'runner worker environment');
    const started = Date.now();
    worker = startWorker({
      workerPath: config.workerPath,
      payload: job.payload,
      env,
      graceMs: config.graceMs,
      logger: log,
    });
    log.info({ pid: worker.pid, worker: config.workerPath }, 'runner worker started');
    const outcome = await worker.outcome;
    const exitCode = exitCodeFor(outcome);
    const fields = {
      exitCode,
      workerExitCode: outcome.code,
      ...(outcome.code !== null && runnerWorkerResults[outcome.code] ? { result: runnerWorkerResults[outcome.code] } : {}),
      signal: outcome.signal,
      durationMs: Date.now() - started,
    };
    if (outcome.killedAfterGrace) log.error(fields, 'runner worker killed after the grace period');
    else log.info(fields, 'runner worker exited');
    return exitCode;
  } catch (err) {
    if (err instanceof WrapperError) logger.error(err.message);
    else logger.error({ err }, 'worker wrapper failed');
    return 1;
  } finally {
    for (const signal of relayedSignals) signals.off(signal, onSignal);
  }
}
