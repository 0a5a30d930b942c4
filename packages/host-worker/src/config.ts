// The wrapper's environment, read once. Values that only tune behaviour (log level, grace period) fall back
// to their default with a warning when malformed: failing here would lose a job GitHub already handed over.
import type { LogLevel } from './logging.js';

/** Everything the wrapper reads from its environment. */
export interface WrapperConfig {
  /** `PAYLOAD_SECRET_PATH`: the mounted job Secret holding `payload`, `plan-id` and `jitconfig`. */
  readonly payloadDir: string;
  /** `RUNNER_HOME_DIR`: where the runner files and the CA bundle are written. */
  readonly runnerHome: string;
  /** `PROXY_CA_CERT_PATH`: the egress proxy's CA certificate (PEM); absent or empty means none. */
  readonly proxyCaPath: string | undefined;
  /** `RUNNER_WORKER_PATH`: the runner worker executable, a path or a name looked up on PATH. */
  readonly workerPath: string;
  /** `WORKER_GRACE_SECONDS`: how long the runner worker may take to stop after SIGTERM. */
  readonly graceMs: number;
  /** `LOG_LEVEL`: `info` or `debug`. */
  readonly logLevel: LogLevel;
  /** Problems found while reading, logged once the logger exists. */
  readonly warnings: readonly string[];
}

/** Defaults, as in a worker pod built by the AGC. */
export const wrapperDefaults = {
  payloadDir: '/run/secrets/job-payload',
  runnerHome: '/home/runner',
  workerPath: 'Runner.Worker',
  graceSeconds: 25,
  logLevel: 'info',
} as const;

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value);

/** Reads the wrapper's configuration from `env`. Never throws. */
export function readWrapperConfig(env: NodeJS.ProcessEnv): WrapperConfig {
  const warnings: string[] = [];

  let logLevel: LogLevel = wrapperDefaults.logLevel;
  const level = nonEmpty(env.LOG_LEVEL)?.trim().toLowerCase();
  if (level === 'info' || level === 'debug') logLevel = level;
  else if (level !== undefined) warnings.push(`LOG_LEVEL="${env.LOG_LEVEL}" is not one of info, debug; using info`);

  let graceSeconds: number = wrapperDefaults.graceSeconds;
  const grace = nonEmpty(env.WORKER_GRACE_SECONDS);
  if (grace !== undefined) {
    const parsed = Number(grace);
    if (Number.isFinite(parsed) && parsed >= 0) graceSeconds = parsed;
    else {
      warnings.push(
        `WORKER_GRACE_SECONDS="${grace}" is not a non-negative number of seconds; using ${wrapperDefaults.graceSeconds}`,
      );
    }
  }

  return {
    payloadDir: nonEmpty(env.PAYLOAD_SECRET_PATH) ?? wrapperDefaults.payloadDir,
    runnerHome: nonEmpty(env.RUNNER_HOME_DIR) ?? wrapperDefaults.runnerHome,
    proxyCaPath: nonEmpty(env.PROXY_CA_CERT_PATH),
    workerPath: nonEmpty(env.RUNNER_WORKER_PATH) ?? wrapperDefaults.workerPath,
    graceMs: Math.round(graceSeconds * 1000),
    logLevel,
    warnings,
  };
}
