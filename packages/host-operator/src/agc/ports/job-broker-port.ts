/**
 * Core's `JobBrokerPort` on broker-client: acquire through the runner's classic session (its OAuth token,
 * re-minted on 401), renew/complete/cancel on the `RunServiceClient` with the job token and job GUID.
 */
import type { AcquireOutcome, BrokerCallOutcome, JobBrokerPort, JobConclusion, JobLease, JobMessage, RenewOutcome } from '@actions-gateway/core';
import {
  BrokerClientError,
  metricReason,
  type AcquiredJob,
  type JobConclusion as WireConclusion,
  type RunServiceClient,
  type RunnerJobRequestEvent,
} from '@actions-gateway/broker-client';

/** What acquiring needs: a `ClassicBrokerSession` satisfies it. */
export interface JobAcquirer {
  acquireJob(request: RunnerJobRequestEvent, options?: { readonly signal?: AbortSignal }): Promise<AcquiredJob>;
  readonly runService: RunServiceClient;
}

/** How {@link createJobBrokerPort} is wired. */
export interface JobBrokerPortOptions {
  /** The runner session the job messages came from. */
  readonly session: JobAcquirer;
}

const wireConclusion: Readonly<Record<JobConclusion, WireConclusion>> = { succeeded: 'succeeded', failed: 'failed', cancelled: 'canceled' };

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * The lease's `runServiceUrl` is where renew and complete go: the job's `SystemVssConnection` URL (U5),
 * which the run service URL stands in for only when the job message has none.
 */
function toAcquiredJob(lease: JobLease): AcquiredJob {
  return { jobId: lease.jobId, planId: lease.planId, runnerRequestId: '', runServiceUrl: lease.runServiceUrl, jobServiceUrl: lease.runServiceUrl, jobToken: lease.jobToken, messageJson: '' };
}

async function complete(runService: RunServiceClient, lease: JobLease, conclusion: JobConclusion, signal: AbortSignal): Promise<BrokerCallOutcome> {
  try {
    await runService.completeJob(toAcquiredJob(lease), wireConclusion[conclusion], {}, signal);
    return { kind: 'accepted' };
  } catch (err) {
    if (err instanceof BrokerClientError && err.kind === 'job_not_found') return { kind: 'not_found' };
    return { kind: 'error', error: asError(err) };
  }
}

/** Builds core's `JobBrokerPort` for one classic runner session. */
export function createJobBrokerPort(options: JobBrokerPortOptions): JobBrokerPort {
  const { session } = options;
  return {
    async acquireJob(message: JobMessage, signal: AbortSignal): Promise<AcquireOutcome> {
      const request: RunnerJobRequestEvent = {
        type: 'RunnerJobRequest',
        messageId: 0,
        runnerRequestId: message.runnerRequestId,
        runServiceUrl: message.runServiceUrl,
        ...(message.billingOwnerId !== undefined && { billingOwnerId: message.billingOwnerId }),
        shouldAcknowledge: false,
      };
      try {
        const job = await session.acquireJob(request, { signal });
        return { kind: 'acquired', lease: { planId: job.planId, jobId: job.jobId, runServiceUrl: job.jobServiceUrl, jobToken: job.jobToken }, payload: job.messageJson };
      } catch (err) {
        const reason = metricReason(err);
        if (reason === 'already_claimed' || reason === 'delivery_window_expired' || reason === 'version_too_old') return { kind: reason };
        return { kind: 'error', error: asError(err) };
      }
    },
    async renewJob(lease: JobLease, signal: AbortSignal): Promise<RenewOutcome> {
      try {
        const { lockedUntil } = await session.runService.renewJob(toAcquiredJob(lease), signal);
        return { kind: 'renewed', lockedUntil: new Date(lockedUntil) };
      } catch (err) {
        if (err instanceof BrokerClientError && err.kind === 'job_not_found') return { kind: 'gone', statusCode: err.status ?? 404 };
        return { kind: 'error', error: asError(err) };
      }
    },
    completeJob: (lease, conclusion, signal) => complete(session.runService, lease, conclusion, signal),
    cancelJob: (lease, signal) => complete(session.runService, lease, 'cancelled', signal),
  };
}

/**
 * The port of a job whose acquiring session is gone (a job an earlier AGC claimed): renew, complete and
 * cancel with its job token; it can acquire nothing.
 */
export function createLeaseBrokerPort(runService: RunServiceClient): JobBrokerPort {
  return createJobBrokerPort({
    session: { runService, acquireJob: () => Promise.reject(new Error('this job\'s acquiring session is gone; nothing can be acquired on it')) },
  });
}
