// Runs the runner worker: `<worker> spawnclient 3 4` with the job on fd 3, fd 4 drained, stdout/stderr
// shared; relays SIGTERM/SIGINT and enforces the grace period.
//
// Runner.Worker keeps reading fd 3 after the job for a cancellation message, and swallows SIGINT (the
// listener is expected to tell it over the channel). So a termination is delivered both ways: first the
// channel message the listener would send (OperatingSystemShutdown for SIGTERM — the pod is going away —,
// RunnerShutdown for SIGINT), then the signal itself. Either makes it cancel the job and exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { WrapperError } from './errors.js';
import { frameNewJobRequest, frameWorkerMessage, WorkerMessageType } from './framing.js';

/** How the runner worker ended. */
export interface WorkerOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the wrapper had to SIGKILL it after the grace period. */
  readonly killedAfterGrace: boolean;
}

/**
 * Runner.Worker's exit codes: 100 + its TaskResult (actions/runner `TaskResultUtil`). Any other code is the
 * worker's own failure (e.g. 1 for an unhandled exception).
 */
export const runnerWorkerResults: Readonly<Record<number, string>> = {
  100: 'Succeeded',
  101: 'SucceededWithIssues',
  102: 'Failed',
  103: 'Canceled',
  104: 'Skipped',
  105: 'Abandoned',
};

/**
 * The wrapper's exit code for an outcome: the child's code, except that Runner.Worker's two success codes
 * (100 Succeeded, 101 SucceededWithIssues) become 0 so that a successful job's pod ends `Succeeded`;
 * 128 + the signal number when the child died of a signal.
 */
export function exitCodeFor(outcome: Pick<WorkerOutcome, 'code' | 'signal'>): number {
  if (outcome.code === 100 || outcome.code === 101) return 0;
  if (outcome.code !== null) return outcome.code;
  if (outcome.signal !== null) return 128 + (constants.signals[outcome.signal] ?? 0);
  return 1;
}

/** What {@link startWorker} needs. */
export interface StartWorkerOptions {
  readonly workerPath: string;
  readonly payload: string;
  readonly env: NodeJS.ProcessEnv;
  readonly graceMs: number;
  readonly logger: Logger;
}

/** A started runner worker. */
export interface RunningWorker {
  readonly pid: number | undefined;
  /** Relays a termination signal; the first one starts the grace period, after which it is SIGKILLed. */
  terminate(signal: NodeJS.Signals): void;
  /** Resolves when it exits; rejects with a WrapperError when it could not be started. */
  readonly outcome: Promise<WorkerOutcome>;
}

const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** Starts the runner worker and sends it the job. */
export function startWorker(options: StartWorkerOptions): RunningWorker {
  const { workerPath, payload, env, graceMs, logger } = options;
  const child = spawn(workerPath, ['spawnclient', '3', '4'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'],
  });
  let graceTimer: NodeJS.Timeout | undefined;
  let killedAfterGrace = false;

  const input = child.stdio[3] as Writable | null;
  const output = child.stdio[4] as Readable | null;

  const outcome = new Promise<WorkerOutcome>((resolve, reject) => {
    // `error` is also emitted later when a signal cannot be delivered; only a spawn failure ends the run.
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) {
        logger.warn({ code: err.code }, 'runner worker process error');
        return;
      }
      if (graceTimer) clearTimeout(graceTimer);
      reject(new WrapperError(`cannot start runner worker "${workerPath}" (RUNNER_WORKER_PATH): ${err.code ?? err.message}`));
    });
    child.once('exit', (code, signal) => {
      if (graceTimer) clearTimeout(graceTimer);
      input?.destroy();
      resolve({ code, signal, killedAfterGrace });
    });
  });

  // The worker may exit before reading the job; a failed write is its problem to report, not a wrapper error.
  input?.on('error', (err: NodeJS.ErrnoException) => logger.warn({ code: err.code }, 'could not write to the runner worker channel (fd 3)'));
  output?.on('error', () => undefined);
  output?.resume();
  // The channel stays open after the job: the worker listens on it for a cancellation message.
  if (child.pid !== undefined) input?.write(frameNewJobRequest(payload));

  return {
    pid: child.pid,
    outcome,
    terminate(signal) {
      if (!isRunning(child)) return;
      logger.info({ signal, pid: child.pid, graceSeconds: graceMs / 1000 }, 'relaying signal to the runner worker');
      if (graceTimer === undefined && input?.writable) {
        const type = signal === 'SIGINT' ? WorkerMessageType.RunnerShutdown : WorkerMessageType.OperatingSystemShutdown;
        input.end(frameWorkerMessage(type, ''));
      }
      child.kill(signal);
      if (graceTimer !== undefined) return;
      graceTimer = setTimeout(() => {
        if (!isRunning(child)) return;
        killedAfterGrace = true;
        logger.warn({ pid: child.pid, graceSeconds: graceMs / 1000 }, 'runner worker still running after the grace period; sending SIGKILL');
        child.kill('SIGKILL');
      }, graceMs);
    },
  };
}
