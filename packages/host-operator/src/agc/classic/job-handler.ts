/**
 * One delivered job, from the message to the end of its pod: deduplicate the delivery, re-check admission
 * and reserve a slot, acquire, start renewing at once, provision the worker pod and wait for it, and handle
 * whatever went wrong without throwing. A job that cannot be placed is never acquired: it stays queued at
 * GitHub and is delivered again.
 */
import type { RunnerJobRequestEvent } from '@actions-gateway/broker-client';
import { linkSignals, provision, startRenewLoop, workerPodName, type JobBrokerPort, type JobLease, type ProvisionResult, type ProvisionerGroup, type RenewLoop } from '@actions-gateway/core';
import type { ListenerContext } from '../listener/group-listener.js';
import { withDeadline } from './clock.js';
import type { GroupAdmission } from './group-admission.js';
import type { PoolAgent } from './agent-secret.js';
import { HeldJob, type HeldJobs } from './held-jobs.js';
import type { ClassicTierTimings } from './timings.js';

/** What handling a job needs from its session loop. */
export interface JobHandlerDeps {
  readonly context: ListenerContext;
  readonly group: () => ProvisionerGroup;
  readonly admission: GroupAdmission;
  readonly timings: ClassicTierTimings;
  /**
   * The agent consumed its registration: called after a successful acquire, once the job's Secret is written
   * (or its handling ended without one), so the session's next work does not compete with that write.
   */
  readonly onAcquired: () => void;
  /** Reads the agent's JIT blob for the worker (the pool keeps it in the agent Secret, not in memory). */
  readonly jitBlob: (agent: PoolAgent) => Promise<string>;
  /** GitHub refused the runner version at acquire. */
  readonly onVersionTooOld: (detail: string) => void;
  /** The jobs this listener holds (a `JobCancellation` or the reaper finds a job's lease and pod there). */
  readonly held: HeldJobs;
  /**
   * Polls the acquiring session (status `Busy`) while the job runs, handing each `JobCancellation`'s job id
   * to `onCancellation`, until `signal` aborts or the session ends. Resolves then; never throws.
   */
  readonly watchSession?: (onCancellation: (jobId: string) => void, signal: AbortSignal) => Promise<void>;
}

/** How a delivery was handled. `acquired`: the agent's registration is spent and must be recycled. */
export interface JobHandled {
  readonly acquired: boolean;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Handles one `RunnerJobRequest` delivered to a session whose job port is `broker`. Never throws. */
export async function handleJob(deps: JobHandlerDeps, agent: PoolAgent, broker: JobBrokerPort, event: RunnerJobRequestEvent, signal: AbortSignal): Promise<JobHandled> {
  const { context, timings } = deps;
  const group = deps.group();
  const log = { namespace: group.namespace, runner_group: group.name, agent_index: agent.index, runner_request_id: event.runnerRequestId };
  const requestKey = `request:${event.runnerRequestId}`;
  if (!context.inFlight.tryClaim(requestKey)) {
    context.logger.info(log, 'job delivery already being handled by another session; dropping this copy');
    return { acquired: false };
  }
  try {
    const reserved = await deps.admission.reserve().catch((err: unknown) => ({ reservation: undefined, detail: `reading the admission snapshot failed: ${asError(err).message}` }));
    if (reserved.reservation === undefined) {
      context.logger.info({ ...log, detail: reserved.detail }, 'no room for the job; leaving it queued at GitHub');
      return { acquired: false };
    }
    const { reservation } = reserved;
    try {
      const message = { runnerRequestId: event.runnerRequestId, runServiceUrl: event.runServiceUrl, ...(event.billingOwnerId !== undefined && { billingOwnerId: event.billingOwnerId }) };
      // Read beside the acquire, so the worker's blob costs the claim no extra round trip.
      const blob = readJitBlob(deps, agent, log);
      const outcome = await withDeadline(context.clock, timings.controlPlaneTimeoutMs, signal, (s) => broker.acquireJob(message, s)).catch(
        (err: unknown) => ({ kind: 'error' as const, error: asError(err) }),
      );
      if (outcome.kind !== 'acquired') {
        if (signal.aborted) return { acquired: false };
        const reason = outcome.kind === 'error' ? 'other' : outcome.kind;
        context.metrics.jobAcquisitionErrors.inc({ namespace: group.namespace, reason });
        if (outcome.kind === 'version_too_old') deps.onVersionTooOld('GitHub refused the runner version at acquirejob');
        const level = outcome.kind === 'already_claimed' ? 'info' : 'warn';
        context.logger[level]({ ...log, reason, ...(outcome.kind === 'error' && { err: outcome.error }) }, 'acquirejob did not claim the job');
        return { acquired: false };
      }
      const acquiredAt = context.clock.now();
      const { lease, payload } = outcome;
      context.metrics.jobsAcquired.inc({ namespace: group.namespace, runner_group: group.name });
      // Until its Secret is written only this process knows the job: the agent's replacement and the next
      // session (API writes and lists of their own) wait for that write instead of competing with it.
      let handedOver = false;
      const handOver = (): void => {
        if (handedOver) return;
        handedOver = true;
        deps.onAcquired();
      };
      const planKey = `plan:${lease.planId}`;
      if (!context.inFlight.tryClaim(planKey)) {
        handOver();
        context.logger.warn({ ...log, plan_id: lease.planId }, 'a fan-out sibling of a job already being handled was acquired; not provisioning it twice');
        return { acquired: true };
      }
      try {
        reservation.bind(lease.planId);
        await runClaimedJob(deps, broker, { lease, payload, jitConfig: await blob, acquiredAt, onStaged: handOver }, signal);
      } finally {
        handOver();
        context.inFlight.release(planKey);
      }
      return { acquired: true };
    } finally {
      reservation.release();
    }
  } finally {
    context.inFlight.release(requestKey);
    deps.admission.jobEnded();
  }
}

/**
 * The agent's JIT blob, read once more when the first read fails; undefined (logged) when it cannot be read:
 * the job still runs from its acquired message, only the runner files are not staged for the worker.
 */
async function readJitBlob(deps: JobHandlerDeps, agent: PoolAgent, log: Record<string, unknown>): Promise<string | undefined> {
  try {
    return await deps.jitBlob(agent);
  } catch {
    try {
      return await deps.jitBlob(agent);
    } catch (err) {
      deps.context.logger.error({ ...log, err }, 'reading the agent Secret\'s JIT config failed; the worker gets no runner files');
      return undefined;
    }
  }
}

/** What running a claimed job needs (a job adopted from an earlier AGC has no session to watch). */
export type RunJobDeps = Pick<JobHandlerDeps, 'context' | 'group' | 'admission' | 'timings' | 'held' | 'watchSession'>;

/** A claimed job: its lease, the acquire body for the worker, and when it was acquired. */
export interface ClaimedJob {
  readonly lease: JobLease;
  readonly payload: string;
  readonly jitConfig: string | undefined;
  readonly acquiredAt: Date;
  /** Claimed and staged by an earlier AGC (see core's `ProvisionOptions.adopt`). */
  readonly adopted?: boolean;
  /** See core's `ProvisionOptions.onStaged`. */
  readonly onStaged?: () => void;
}

/**
 * Renews and provisions a claimed job to its end, concluding it as failed when its pod can never be created.
 * Never throws.
 */
export async function runClaimedJob(deps: RunJobDeps, broker: JobBrokerPort, claimed: ClaimedJob, signal: AbortSignal): Promise<void> {
  const { lease, payload, jitConfig, acquiredAt } = claimed;
  const { context } = deps;
  let group = deps.group();
  const { logger, clock } = context;
  const podName = { namespace: group.namespace, runnerGroup: group.name };
  const renewal: RenewLoop = startRenewLoop({
    lease,
    broker,
    kubernetes: context.provision.kubernetes,
    clock,
    metrics: context.provision.metrics,
    logger,
    pod: { ...podName, name: workerPodName(group.name, lease.planId) },
    intervalMs: deps.timings.renewIntervalMs,
  });
  const log = { namespace: group.namespace, runner_group: group.name, plan_id: lease.planId };
  const held = new HeldJob(lease, broker, { ...podName, name: workerPodName(group.name, lease.planId) }, { kubernetes: context.provision.kubernetes, clock, logger });
  const release = deps.held.hold(held);
  const watch = new AbortController();
  const watching = deps.watchSession?.((jobId) => {
    const cancelled = deps.held.byJobId(jobId);
    if (!cancelled) return logger.info({ ...log, job_id: jobId }, 'JobCancellation for a job this listener does not hold; ignored');
    logger.info({ ...log, job_id: jobId }, 'JobCancellation: the user cancelled the job; stopping its worker pod (no re-run)');
    void cancelled.cancelForUser();
  }, watch.signal);
  const jobCancelled = (): boolean => held.cancelledByUser;
  try {
    const job = { planId: lease.planId, payload, jitConfig, acquiredAt };
    const adopt = claimed.adopted === true;
    let result: ProvisionResult = await provision(job, context.provision, group, { renewal, signal, jobCancelled, adopt, onStaged: claimed.onStaged });
    // Admission raced with another AGC writer: the job is ours now, so wait for room instead of dropping it.
    while (result.kind === 'held' && !signal.aborted && !renewal.abandoned.aborted) {
      logger.info({ ...log, detail: result.detail }, 'claimed job held at the ceiling; waiting for room');
      const linked = linkSignals(signal, renewal.abandoned);
      await deps.admission.waitForRoom(deps.timings.admissionRecheckMs, linked.signal).finally(() => linked.dispose());
      group = deps.group();
      result = await provision(job, context.provision, group, { renewal, signal, jobCancelled, adopt });
    }
    await settle(deps, broker, lease, result, log, signal);
  } catch (err) {
    logger.error({ ...log, err }, 'handling the job failed');
  } finally {
    watch.abort();
    release();
    await watching;
    await renewal.stop();
  }
}

/** Acts on how provisioning ended: counts and concludes the jobs that can never run. */
async function settle(deps: RunJobDeps, broker: JobBrokerPort, lease: JobLease, result: ProvisionResult, log: Record<string, unknown>, signal: AbortSignal): Promise<void> {
  const { context } = deps;
  const namespace = log.namespace as string;
  switch (result.kind) {
    case 'finished':
      context.logger.info({ ...log, pod: result.podName, outcome: result.outcome.kind, phase: result.phase }, 'job finished');
      return;
    case 'duplicate':
      context.logger.warn({ ...log, detail: result.detail }, 'job already provisioned elsewhere; not running it twice');
      return;
    case 'abandoned':
    case 'aborted':
    case 'held':
      context.logger.info({ ...log, result: result.kind }, 'job handling ended early');
      return;
    case 'invalid_payload':
    case 'create_failed':
    case 'stage_failed':
    case 'error': {
      context.metrics.jobAcquisitionErrors.inc({ namespace, reason: 'other' });
      const detail = result.kind === 'invalid_payload' ? result.detail : result.error.message;
      context.logger.error({ ...log, result: result.kind, detail }, 'the worker pod can never be created for this job; concluding it as failed');
      const done = await withDeadline(context.clock, deps.timings.controlPlaneTimeoutMs, signal, (s) => broker.completeJob(lease, 'failed', s)).catch((err: unknown) => ({
        kind: 'error' as const,
        error: asError(err),
      }));
      if (done.kind === 'error') context.logger.warn({ ...log, err: done.error }, 'concluding the job as failed did not succeed; GitHub fails it when its lock lapses');
      return;
    }
  }
}
