import type { JobBrokerPort, JobLease, RenewOutcome } from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import type { KubernetesPort } from '../ports/kubernetes.js';
import type { Pod } from '../ports/k8s-objects.js';
import type { Logger } from '../ports/logger.js';
import type { ProvisionerMetrics } from '../ports/metrics.js';
import { classifyFinishedPod } from '../disruption/classify.js';
import { stampAndDeletePod } from '../reaper/delete.js';
import { linkSignals } from '../signals/link-signals.js';

/** Renew cadence: GitHub's lock lasts about 10 min per renewal. */
export const RENEW_INTERVAL_MS = 60_000;
/** Per-call deadline (the control-plane timeout). */
export const RENEW_CALL_TIMEOUT_MS = 30_000;
/** Consecutive failures (about 5 min) after which the job is given up. */
export const RENEW_MAX_CONSECUTIVE_FAILURES = 5;

/** Why a renew loop ended. */
export type RenewLoopEnd =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'abandoned'; readonly cause: 'gone' | 'failures'; readonly detail: string };

/** A running renew loop. */
export interface RenewLoop {
  /** Aborted when the loop gave the job up: the provisioner must not create (or keep) its pod. */
  readonly abandoned: AbortSignal;
  /** Resolves when the loop has ended (after any teardown). */
  readonly ended: Promise<RenewLoopEnd>;
  /** Stops renewing (a finished or disrupted job); resolves once the loop has ended. */
  stop(): Promise<RenewLoopEnd>;
}

/** What a renew loop needs. */
export interface RenewLoopOptions {
  readonly lease: JobLease;
  readonly broker: JobBrokerPort;
  readonly kubernetes: KubernetesPort;
  readonly clock: Clock;
  readonly metrics: Pick<ProvisionerMetrics, 'renewJobErrors' | 'workerPodsReaped'>;
  readonly logger: Logger;
  /** The job's worker pod, deleted (reason `job_abandoned`) when the job is given up. */
  readonly pod: { readonly namespace: string; readonly name: string; readonly runnerGroup: string };
  readonly intervalMs?: number;
  readonly callTimeoutMs?: number;
  readonly maxConsecutiveFailures?: number;
  /** See {@link RENEW_GONE_GRACE_MS}. */
  readonly goneGraceMs?: number;
}

async function renewWithDeadline(o: RenewLoopOptions, stop: AbortSignal): Promise<RenewOutcome> {
  const call = new AbortController();
  const timer = new AbortController();
  const onStop = (): void => call.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  const timeout = o.clock.sleep(o.callTimeoutMs ?? RENEW_CALL_TIMEOUT_MS, timer.signal).then((elapsed): RenewOutcome | undefined => {
    if (!elapsed) return undefined;
    call.abort(new Error('renewjob deadline exceeded'));
    return { kind: 'error', error: new Error(`renewjob did not answer within ${o.callTimeoutMs ?? RENEW_CALL_TIMEOUT_MS} ms`) };
  });
  try {
    const answer = o.broker.renewJob(o.lease, call.signal).catch((err: unknown): RenewOutcome => ({ kind: 'error', error: err instanceof Error ? err : new Error(String(err)) }));
    const first = await Promise.race([answer, timeout.then((t) => t ?? answer)]);
    return first;
  } finally {
    timer.abort();
    stop.removeEventListener('abort', onStop);
  }
}

/** How long a job GitHub no longer knows (renew 404/410) leaves its pod to end or show a disruption before it is deleted. */
export const RENEW_GONE_GRACE_MS = 30_000;

const terminalPhases = new Set(['Succeeded', 'Failed', 'Unknown']);
/** The pod ended, is going, or shows a platform disruption: the provisioner classifies it, not the renew loop. */
const endedOrDisrupted = (pod: Pod | undefined): boolean =>
  !pod || terminalPhases.has(pod.status?.phase ?? '') || pod.metadata?.deletionTimestamp !== undefined || classifyFinishedPod(pod).kind === 'disrupted';

/**
 * Waits up to `ms` for the pod to end or show a disruption; the pod as last seen. A killed runner reports
 * its job's end (so renew answers 404) before the kubelet has marked its pod: the wait lets the mark land.
 */
async function settleFor(o: RenewLoopOptions, ms: number, stopped: AbortSignal): Promise<Pod | undefined> {
  const current = await o.kubernetes.getPod(o.pod.namespace, o.pod.name);
  if (ms <= 0 || endedOrDisrupted(current)) return current;
  const timer = new AbortController();
  const watch = new AbortController();
  void o.clock.sleep(ms, timer.signal).then((elapsed) => elapsed && watch.abort(new Error('grace elapsed')));
  const linked = linkSignals(watch.signal, stopped);
  try {
    return await o.kubernetes.waitForPod(o.pod.namespace, o.pod.name, endedOrDisrupted, linked.signal);
  } catch {
    return o.kubernetes.getPod(o.pod.namespace, o.pod.name);
  } finally {
    linked.dispose();
    timer.abort();
  }
}

/**
 * Deletes the abandoned job's pod, stamped `job_abandoned` (a reap: never re-run), unless it ended or a
 * platform disruption took it: then the stamp would turn a disruption into a reap, and the pod is left for
 * the provisioner to classify. A job GitHub no longer knows (404/410) first gives the pod a grace to show
 * that (see {@link settleFor}); stopping the loop (the pod ended, or shutdown) cuts the grace short.
 */
async function deleteUnlessDisrupted(o: RenewLoopOptions, cause: 'gone' | 'failures', stopped: AbortSignal, fields: Record<string, unknown>): Promise<void> {
  const pod = await settleFor(o, cause === 'gone' ? (o.goneGraceMs ?? RENEW_GONE_GRACE_MS) : 0, stopped);
  if (!pod) return;
  if (endedOrDisrupted(pod)) {
    const seen = classifyFinishedPod(pod);
    o.logger.info({ ...fields, outcome: seen.kind, ...(seen.kind === 'disrupted' && { disruption: seen.cause }) }, seen.kind === 'disrupted' ? 'the abandoned job\'s worker pod is already disrupted; leaving it to the disruption classifier' : 'the abandoned job\'s worker pod already ended; leaving it to the classifier');
    return;
  }
  await stampAndDeletePod(o.kubernetes, o.pod.namespace, o.pod.name, 'job_abandoned', pod.metadata?.uid);
}

/**
 * Keeps a claimed job's lock: renews at once, then every 60 s, each call bounded by a deadline, with the
 * job-scoped token and the job's own id (both in the lease). A 404/410, or 5 failures in a row, gives the
 * job up: it is cancelled at the broker and its pod deleted with the stamped reason `job_abandoned`.
 */
export function startRenewLoop(o: RenewLoopOptions): RenewLoop {
  const stopper = new AbortController();
  const abandon = new AbortController();
  const fields = { namespace: o.pod.namespace, runner_group: o.pod.runnerGroup, plan_id: o.lease.planId, job_id: o.lease.jobId };

  const teardown = async (cause: 'gone' | 'failures', detail: string): Promise<RenewLoopEnd> => {
    abandon.abort(new Error(`job abandoned: ${detail}`));
    o.logger.warn({ ...fields, cause, detail }, 'giving the job up: cancelling it and deleting its worker pod');
    const cancel = new AbortController();
    const cancelled = await o.broker.cancelJob(o.lease, cancel.signal).catch((err: unknown) => ({ kind: 'error' as const, error: err instanceof Error ? err : new Error(String(err)) }));
    if (cancelled.kind === 'error') o.logger.warn({ ...fields, err: cancelled.error }, 'cancelling the abandoned job failed');
    await deleteUnlessDisrupted(o, cause, stopper.signal, fields).catch((err: unknown) => {
      o.logger.error({ ...fields, err }, 'deleting the abandoned job\'s worker pod failed');
    });
    return { kind: 'abandoned', cause, detail };
  };

  const run = async (): Promise<RenewLoopEnd> => {
    let failures = 0;
    const max = o.maxConsecutiveFailures ?? RENEW_MAX_CONSECUTIVE_FAILURES;
    for (;;) {
      const outcome = await renewWithDeadline(o, stopper.signal);
      if (stopper.signal.aborted) return { kind: 'stopped' };
      if (outcome.kind === 'gone') return teardown('gone', `renewjob answered ${outcome.statusCode}`);
      if (outcome.kind === 'error') {
        failures += 1;
        o.metrics.renewJobErrors.inc({ namespace: o.pod.namespace });
        o.logger.warn({ ...fields, err: outcome.error, consecutive_failures: failures }, 'renewjob failed');
        if (failures >= max) return teardown('failures', `${failures} renewjob calls in a row failed`);
      } else {
        failures = 0;
      }
      if (!(await o.clock.sleep(o.intervalMs ?? RENEW_INTERVAL_MS, stopper.signal))) return { kind: 'stopped' };
    }
  };

  const ended = run();
  return {
    abandoned: abandon.signal,
    ended,
    stop: async () => {
      stopper.abort();
      return ended;
    },
  };
}
