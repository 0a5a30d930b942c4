/**
 * Runs one scale-set job to its end: a per-job JIT config from the scale set, the job Secret and worker pod
 * through core's `provision()`, or — after a restart — the job's existing pod followed to its end. A
 * disrupted pod is re-run with the run its runner actually took (JIT runners of a scale set are
 * interchangeable: the JobStarted message names the runner, whose name carries the job it was made for).
 */
import type { ScaleSetAdminClient } from '@actions-gateway/broker-client';
import {
  classifyFinishedPod,
  jobSecretName,
  parseRepository,
  provision,
  workerPodName,
  type FinishedPodClass,
  type Pod,
  type ProvisionResult,
  type RerunRequest,
} from '@actions-gateway/core';
import type { ListenerContext, ListenerGroup } from '../listener/group-listener.js';
import { scaleSetPayload, type ScaleSetJobRecord } from './job-record.js';
import type { ScaleSetRef } from './state-store.js';

/** The JIT runner name prefix of a job's pod: `ag-<jobId>`, followed by the API's random suffix. */
export function runnerNamePrefix(jobId: string): string {
  return `ag-${jobId}`.slice(0, 50);
}

/** The job a runner name was made for, among `records`; undefined for a runner this tier did not make. */
export function jobOfRunner(runnerName: string | undefined, jobIds: Iterable<string>): string | undefined {
  if (!runnerName) return undefined;
  for (const id of jobIds) if (runnerName.startsWith(`${runnerNamePrefix(id)}-`)) return id;
  return undefined;
}

/** What a job worker needs from its tier. */
export interface JobWorkerDeps {
  readonly context: ListenerContext;
  readonly admin: ScaleSetAdminClient;
  readonly group: () => ListenerGroup;
  readonly scaleSet: () => ScaleSetRef;
  /** The job's current record (phases move while the pod runs). */
  readonly record: (jobId: string) => ScaleSetJobRecord | undefined;
  /** Every record: to find which job a runner took. */
  readonly records: () => Iterable<ScaleSetJobRecord>;
  /** Persists that the job's pod is done. */
  readonly podDone: (jobId: string) => Promise<void>;
  /** Capacity may have grown: re-poll soon. */
  readonly capacityChanged: () => void;
  /** Ends everything (tier stop). */
  readonly signal: AbortSignal;
}

const terminal = new Set(['Succeeded', 'Failed', 'Unknown']);
const isFinished = (pod: Pod | undefined): boolean => !pod || terminal.has(pod.status?.phase ?? '') || pod.metadata?.deletionTimestamp !== undefined;
/** Pause between provisioning attempts of a job GitHub still holds for the scale set. */
const RETRY_MS = [1_000, 5_000, 15_000, 30_000, 60_000];

/** Runs a job's pod to its end; resolves when it is done or the tier stops. Never throws. */
export async function runScaleSetJob(deps: JobWorkerDeps, jobId: string): Promise<void> {
  const { context } = deps;
  const log = (): Record<string, unknown> => ({ namespace: deps.group().provisioner.namespace, runner_group: deps.group().provisioner.name, job_id: jobId });
  if (!context.inFlight.tryClaim(jobId)) return;
  try {
    for (let attempt = 0; !deps.signal.aborted; attempt++) {
      const done = await attemptJob(deps, jobId);
      if (done === 'done') {
        await deps.podDone(jobId).catch((err: unknown) => context.logger.error({ ...log(), err }, 'recording the end of a scale-set job failed'));
        deps.capacityChanged();
        return;
      }
      if (done === 'stopped') return;
      const wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      context.logger.warn({ ...log(), attempt: attempt + 1, retry_in_ms: wait }, 'the scale-set job has no worker pod yet; trying again');
      if (!(await context.clock.sleep(wait, deps.signal))) return;
    }
  } catch (err) {
    context.logger.error({ ...log(), err }, 'scale-set job worker failed');
  } finally {
    context.inFlight.release(jobId);
  }
}

type Attempt = 'done' | 'retry' | 'stopped';

async function attemptJob(deps: JobWorkerDeps, jobId: string): Promise<Attempt> {
  const { context } = deps;
  const group = deps.group().provisioner;
  const kube = context.provision.kubernetes;
  const record = deps.record(jobId);
  if (!record || record.podDone) return 'done';
  const podName = workerPodName(group.name, jobId);
  const existing = await kube.getPod(group.namespace, podName);
  if (existing) return followPod(deps, jobId, podName);
  if (record.phase !== 'assigned') {
    // Its runner took it and the pod is gone (lost while the AGC was down): a disruption, or it concluded.
    if (record.phase === 'started') await rerunIfDisrupted(deps, jobId, classifyFinishedPod(undefined, {}));
    await kube.deleteSecret(group.namespace, jobSecretName(jobId));
    return 'done';
  }
  // A Secret without a pod is a provisioning cut short by a crash: the job never got its runner.
  await kube.deleteSecret(group.namespace, jobSecretName(jobId));
  let jit;
  try {
    jit = await deps.admin.generateJitConfig(deps.scaleSet().id, runnerNamePrefix(jobId), deps.signal);
  } catch (err) {
    if (deps.signal.aborted) return 'stopped';
    context.logger.warn({ namespace: group.namespace, runner_group: group.name, job_id: jobId, err }, 'generating the JIT config of a scale-set job failed');
    return 'retry';
  }
  // The tier re-runs disruptions itself, with the run the pod's runner actually took.
  const ports = { ...context.provision, rerunner: undefined };
  const result: ProvisionResult = await provision(
    { planId: jobId, payload: scaleSetPayload(record, deps.scaleSet()), jitConfig: jit.encodedJitConfig, acquiredAt: new Date(record.assignedAt) },
    ports,
    group,
    { signal: deps.signal, jobCancelled: () => deps.record(jobId)?.result === 'canceled' },
  );
  switch (result.kind) {
    case 'finished':
      await rerunIfDisrupted(deps, jobId, result.outcome);
      return 'done';
    case 'duplicate':
      return (await kube.getPod(group.namespace, podName)) ? followPod(deps, jobId, podName) : 'retry';
    case 'aborted':
      return 'stopped';
    case 'invalid_payload':
      return 'done';
    default:
      return deps.record(jobId)?.phase === 'assigned' ? 'retry' : 'done';
  }
}

/** Follows a pod a previous AGC (or a racing provision) created, to its end. */
async function followPod(deps: JobWorkerDeps, jobId: string, podName: string): Promise<Attempt> {
  const { context } = deps;
  const group = deps.group().provisioner;
  let pod: Pod | undefined;
  try {
    pod = await context.provision.kubernetes.waitForPod(group.namespace, podName, isFinished, deps.signal);
  } catch (err) {
    if (deps.signal.aborted) return 'stopped';
    context.logger.warn({ namespace: group.namespace, runner_group: group.name, job_id: jobId, pod: podName, err }, 'watching an adopted worker pod failed');
    return 'retry';
  }
  const record = deps.record(jobId);
  if (record) {
    const seconds = Math.max(0, (context.clock.now().getTime() - new Date(record.assignedAt).getTime()) / 1000);
    context.provision.metrics.jobDuration.observe({ namespace: group.namespace, runner_group: group.name }, seconds);
  }
  const outcome = classifyFinishedPod(pod, { jobCancelled: record?.result === 'canceled' });
  context.logger.info({ namespace: group.namespace, runner_group: group.name, job_id: jobId, pod: podName, outcome: outcome.kind }, 'adopted worker pod finished');
  await context.provision.kubernetes.deleteSecret(group.namespace, jobSecretName(jobId)).catch(() => undefined);
  await rerunIfDisrupted(deps, jobId, outcome);
  return 'done';
}

/** The record of the job the pod made for `jobId` ran: the one whose runner carries its prefix, else its own. */
function jobRunOnPod(deps: JobWorkerDeps, jobId: string): ScaleSetJobRecord | undefined {
  const prefix = `${runnerNamePrefix(jobId)}-`;
  for (const r of deps.records()) if (r.runnerName?.startsWith(prefix)) return r;
  return deps.record(jobId);
}

async function rerunIfDisrupted(deps: JobWorkerDeps, jobId: string, outcome: FinishedPodClass): Promise<void> {
  if (outcome.kind !== 'disrupted') return;
  const { context } = deps;
  const group = deps.group().provisioner;
  const ran = jobRunOnPod(deps, jobId);
  const repository = parseRepository(ran?.repository ?? '');
  const rerunner = context.provision.rerunner;
  const log = { namespace: group.namespace, runner_group: group.name, job_id: jobId, cause: outcome.cause };
  if (!rerunner || !ran?.runId || !repository) {
    context.logger.warn({ ...log, ran_job_id: ran?.jobId }, 'disrupted scale-set job cannot be re-run: its run is unknown');
    return;
  }
  const request: RerunRequest = {
    run: { ...repository, runId: String(ran.runId) },
    group: { namespace: group.namespace, name: group.name },
    maxEvictionRetries: group.maxEvictionRetries,
    evictionRetryDelayMs: group.evictionRetryDelayMs,
    planId: ran.jobId,
  };
  const result = await rerunner.rerun(request, deps.signal);
  context.logger.info({ ...log, run_id: ran.runId, rerun: result.kind }, 'disrupted scale-set job re-run');
}
