// The stand-in runner worker's job: perform what the fake GitHub scripted (wait, then conclude) and complete the
// job over the real protocol (completejob on the SystemVssConnection URL with the job token, broker-protocol §9.4).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { JobConclusion } from './job-message.js';
import { isJobMessage, parseJobMessage } from './job-message.js';
import { runJitRunner } from './jit-runner.js';
import { completeJob, ProtocolError, type JobHandle } from './runner-protocol.js';

/** What {@link runStandInJob} takes. */
export interface StandInOptions {
  /** The acquired job message (the AcquireJob response). Absent, empty or not a job message with `jitConfig` set → runner mode. */
  readonly payload?: string | undefined;
  /** An encoded JIT config (base64 of `{file name: base64}`): in runner mode the stand-in opens its own classic session with it. */
  readonly jitConfig?: string | undefined;
  /** Aborting stops the job: it is completed `canceled` and the result says so. */
  readonly signal?: AbortSignal | undefined;
  /** undici dispatcher for every GitHub call (the egress proxy, extra CAs); default undici's global one. */
  readonly dispatcher?: Dispatcher | undefined;
  /** Runner version advertised in runner mode (default 2.335.1). */
  readonly runnerVersion?: string;
  /** completejob attempts on a retryable failure (default 5, as Runner.Worker) … */
  readonly completeAttempts?: number;
  /** … this far apart (default 5 s). */
  readonly completeRetryDelayMs?: number;
  /** Runner mode: renew the acquired job this often while it runs (default 60 s, as the runner's listener). */
  readonly renewIntervalMs?: number;
  /** Progress lines (never secrets). */
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** How a stand-in run ended. */
export interface StandInResult {
  /** The conclusion completed at GitHub; undefined when nothing was completed. */
  readonly conclusion: JobConclusion | undefined;
  /** True when completejob was accepted. */
  readonly completed: boolean;
  /** 0 when the job succeeded and was completed, else 1 (the worker wrapper maps it to the pod's phase). */
  readonly exitCode: number;
  /** Why it failed, when it did. */
  readonly detail?: string;
}

const successes: ReadonlySet<string> = new Set(['succeeded', 'succeededWithIssues']);

/** Runs one job the fake GitHub scripted and completes it; never throws (a failure is `exitCode: 1` with `detail`). */
export async function runStandInJob(options: StandInOptions): Promise<StandInResult> {
  try {
    if (isJobMessage(options.payload)) return await runAcquired(options.payload!, options);
    if (options.jitConfig !== undefined && options.jitConfig.trim() !== '') return await runJitRunner(options.jitConfig, options);
    if (options.payload !== undefined && options.payload.trim() !== '') parseJobMessage(options.payload); // throws naming the field
    return failed('no job: the payload is no job message and there is no JIT config');
  } catch (e) {
    return failed(e instanceof Error ? e.message : String(e));
  }
}

const failed = (detail: string): StandInResult => ({ conclusion: undefined, completed: false, exitCode: 1, detail });

/** Runs a job already acquired (its message in hand) and completes it. */
async function runAcquired(payload: string, options: StandInOptions): Promise<StandInResult> {
  const { job, durationMs, conclusion } = parseJobMessage(payload);
  options.log?.('job started', { planId: job.planId, jobId: job.jobId, durationMs, scripted: conclusion });
  const outcome = await perform(durationMs, conclusion, options.signal);
  return complete(job, outcome, options);
}

/** Waits the scripted duration; an abort turns the outcome into `canceled`. */
export async function perform(durationMs: number, conclusion: JobConclusion, signal: AbortSignal | undefined): Promise<JobConclusion> {
  if (signal?.aborted) return 'canceled';
  try {
    await sleep(durationMs, undefined, signal ? { signal } : {});
    return conclusion;
  } catch {
    return 'canceled';
  }
}

/** completejob with retries (5 × 5 s, none after 400/401/404), as Runner.Worker's JobRunner. */
export async function complete(job: JobHandle, conclusion: JobConclusion, options: StandInOptions): Promise<StandInResult> {
  const attempts = Math.max(1, options.completeAttempts ?? 5);
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await completeJob(job, conclusion, options.dispatcher);
      options.log?.('job completed', { planId: job.planId, conclusion });
      return { conclusion, completed: true, exitCode: successes.has(conclusion) ? 0 : 1 };
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      if (e instanceof ProtocolError && [400, 401, 404].includes(e.status)) break;
      if (attempt < attempts) await sleep(options.completeRetryDelayMs ?? 5_000);
    }
  }
  return { conclusion, completed: false, exitCode: 1, detail: `completejob failed: ${last}` };
}
