// Runner mode of the stand-in (the scale-set tier's worker pods): with only a JIT config, act as an ephemeral
// runner — open a classic session with the JIT credentials, poll until a job is offered, acquire it, renew it
// while it runs, run what the fake scripted, complete it with the job token, and close the session.
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJit } from './jit.js';
import { parseJobMessage } from './job-message.js';
import type { StandInOptions, StandInResult } from './run-job.js';
import { complete, perform } from './run-job.js';
import { ProtocolError, renewJob, RunnerSession, type JobHandle } from './runner-protocol.js';

const aborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/** Polls, acquires and runs one job as the runner the JIT config describes. */
export async function runJitRunner(encodedJit: string, options: StandInOptions): Promise<StandInResult> {
  const jit = decodeJit(encodedJit);
  const session = await RunnerSession.open(jit, { dispatcher: options.dispatcher, runnerVersion: options.runnerVersion ?? '2.335.1', signal: options.signal });
  options.log?.('runner session open', { runner: jit.agentName });
  try {
    const acquired = await pollForJob(session, options);
    if (!acquired) return { conclusion: undefined, completed: false, exitCode: 1, detail: 'stopped before a job was offered' };
    return await runWithRenewals(session, acquired, options);
  } finally {
    await session.close();
  }
}

async function pollForJob(session: RunnerSession, options: StandInOptions): Promise<{ message: string; planIdHeader: string | undefined } | undefined> {
  let errors = 0;
  while (!aborted(options.signal)) {
    try {
      const poll = await session.poll('Online', options.signal);
      errors = 0;
      if (poll.kind !== 'job') continue;
      try {
        return await session.acquire(poll.offer, options.signal);
      } catch (e) {
        if (aborted(options.signal)) return undefined;
        options.log?.('acquire refused', { reason: e instanceof Error ? e.message : String(e) });
      }
    } catch (e) {
      if (aborted(options.signal)) return undefined;
      if (e instanceof ProtocolError && (e.status === 401 || e.status === 403 || e.status === 404)) throw e; // session gone or runner consumed
      errors++;
      await sleep(Math.min(5_000, 200 * 2 ** errors), undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    }
  }
  return undefined;
}

/** Renews at once (the runner starts no worker before the first renewal), then every interval until the job ends. */
async function runWithRenewals(session: RunnerSession, acquired: { message: string; planIdHeader: string | undefined }, options: StandInOptions): Promise<StandInResult> {
  const { job, durationMs, conclusion } = parseJobMessage(acquired.message, acquired.planIdHeader);
  await renewJob(job, options.dispatcher, options.signal);
  const stop = new AbortController();
  const cancelled = new AbortController();
  const onAbort = (): void => cancelled.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  void renewLoop(job, options, stop.signal);
  void watchCancellation(session, job.jobId, stop.signal, cancelled);
  options.log?.('job started', { planId: job.planId, jobId: job.jobId, durationMs, scripted: conclusion });
  const outcome = await perform(durationMs, conclusion, cancelled.signal);
  stop.abort();
  options.signal?.removeEventListener('abort', onAbort);
  return complete(job, outcome, options);
}

async function renewLoop(job: JobHandle, options: StandInOptions, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      await sleep(options.renewIntervalMs ?? 60_000, undefined, { signal });
      await renewJob(job, options.dispatcher, signal);
    } catch {
      // Aborted, or one failed renewal: the lock outlives several intervals.
    }
  }
}

/** Keeps polling while the job runs so a JobCancellation for it stops the job. */
async function watchCancellation(session: RunnerSession, jobId: string, signal: AbortSignal, cancel: AbortController): Promise<void> {
  while (!signal.aborted) {
    try {
      const r = await session.poll('Busy', signal);
      if (r.kind === 'cancel' && r.jobId === jobId) cancel.abort();
    } catch {
      if (signal.aborted) return;
      await sleep(1_000, undefined, { signal }).catch(() => undefined);
    }
  }
}
