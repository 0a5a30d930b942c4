// Runner mode of the stand-in (the scale-set tier's worker pods): with only a JIT config, act as an ephemeral
// runner — open a classic session with the JIT credentials, poll until a job is offered, acquire it, renew it
// while it runs, run what the fake scripted, complete it with the job token, and close the session.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BrokerClientError, ClassicBrokerSession, decodeJitConfig, type AcquiredJob, type RunServiceClient,
} from '@actions-gateway/broker-client';
import type { StandInOptions, StandInResult } from './run-job.js';
import { complete } from './run-job.js';
import { parseJobMessage } from './job-message.js';

const aborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/** Polls, acquires and runs one job as the runner the JIT config describes. */
export async function runJitRunner(encodedJit: string, options: StandInOptions): Promise<StandInResult> {
  const jit = decodeJitConfig(encodedJit);
  const http = options.dispatcher ? { http: { dispatcher: options.dispatcher } } : {};
  const session = await ClassicBrokerSession.create({ jit, runnerVersion: options.runnerVersion ?? '2.335.1', ...http, conflictRetryIntervalMs: 1_000, conflictRetryMaxMs: 10_000 }, options.signal);
  options.log?.('runner session open', { runner: jit.runner.agentName });
  try {
    const acquired = await pollForJob(session, options);
    if (!acquired) return { conclusion: undefined, completed: false, exitCode: 1, detail: 'stopped before a job was offered' };
    return await runWithRenewals(session, acquired, options);
  } finally {
    await session.close().catch(() => undefined);
  }
}

async function pollForJob(session: ClassicBrokerSession, options: StandInOptions): Promise<AcquiredJob | undefined> {
  while (!aborted(options.signal)) {
    let result;
    try {
      result = await session.getMessage({ status: 'Online', ...(options.signal && { signal: options.signal }) });
    } catch (e) {
      if (aborted(options.signal)) return undefined;
      if (e instanceof BrokerClientError && (e.kind === 'session_invalid' || e.kind === 'unauthorized')) throw e;
      continue; // the session's gate paces the next poll
    }
    if (result.kind !== 'message' || result.event.type !== 'RunnerJobRequest') continue;
    try {
      return await session.acquireJob(result.event, options.signal ? { signal: options.signal } : {});
    } catch (e) {
      if (aborted(options.signal)) return undefined;
      options.log?.('acquire refused', { reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return undefined;
}

/** Renews at once (the runner starts no worker before the first renewal), then every interval until the job ends. */
async function runWithRenewals(session: ClassicBrokerSession, acquired: AcquiredJob, options: StandInOptions): Promise<StandInResult> {
  const runService: RunServiceClient = session.runService;
  await runService.renewJob(acquired, options.signal);
  const { durationMs, conclusion } = parseJobMessage(acquired.messageJson, acquired.planId);
  const stop = new AbortController();
  const cancelled = new AbortController();
  options.signal?.addEventListener('abort', () => cancelled.abort(), { once: true });
  void renewLoop(runService, acquired, options.renewIntervalMs ?? 60_000, stop.signal);
  void watchCancellation(session, acquired.jobId, stop.signal, cancelled);
  options.log?.('job started', { planId: acquired.planId, jobId: acquired.jobId, durationMs, scripted: conclusion });
  let outcome = conclusion;
  try {
    await sleep(durationMs, undefined, { signal: cancelled.signal });
  } catch {
    outcome = 'canceled';
  } finally {
    stop.abort();
  }
  return complete(acquired, outcome, options);
}

async function renewLoop(runService: RunServiceClient, job: AcquiredJob, everyMs: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      await sleep(everyMs, undefined, { signal });
      await runService.renewJob(job, signal);
    } catch {
      // Aborted, or one failed renewal: the lock outlives several intervals.
    }
  }
}

/** Keeps polling while the job runs so a JobCancellation for it stops the job. */
async function watchCancellation(session: ClassicBrokerSession, jobId: string, signal: AbortSignal, cancel: AbortController): Promise<void> {
  while (!signal.aborted) {
    try {
      const r = await session.getMessage({ status: 'Busy', signal });
      if (r.kind === 'message' && r.event.type === 'JobCancellation' && r.event.jobId === jobId) cancel.abort();
    } catch {
      if (signal.aborted) return;
    }
  }
}
