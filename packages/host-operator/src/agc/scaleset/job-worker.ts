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
  linkSignals,
  parseRepository,
  provision,
  workerPodName,
  type FinishedPodClass,
  type KubernetesPort,
  type Pod,
  type ProvisionResult,
  type RerunRequest,
} from '@actions-gateway/core';
import type { ListenerContext, ListenerGroup } from '../listener/group-listener.js';
import { cancelledAt, planIdOf, scaleSetPayload, type RanJob, type ScaleSetJobRecord } from './job-record.js';
import { deleteScaleSetRunner, jobIdOfRunnerName, listScaleSetRunners, type ScaleSetRunner } from './runner-sweep.js';
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
  /** Persists that the job's pod is done. */
  readonly podDone: (jobId: string) => Promise<void>;
  /** Persists that the job's pod was created (see `ScaleSetJobRecord.podCreated`). */
  readonly podCreated: (jobId: string) => Promise<void>;
  /** Persists that the job gets a new pod (its last one ended before its runner took any job). */
  readonly nextAttempt: (jobId: string) => Promise<boolean>;
  /** How long a pod that ended without its runner taking a job waits for a late JobStarted [5 s]. */
  readonly startGraceMs?: number | undefined;
  /** Capacity may have grown: re-poll soon. */
  readonly capacityChanged: () => void;
  /** Ends everything (tier stop). */
  readonly signal: AbortSignal;
}

const terminal = new Set(['Succeeded', 'Failed', 'Unknown']);
const isFinished = (pod: Pod | undefined): boolean => !pod || terminal.has(pod.status?.phase ?? '') || pod.metadata?.deletionTimestamp !== undefined;
/** Pause between provisioning attempts of a job GitHub still holds for the scale set. */
const RETRY_MS = [1_000, 5_000, 15_000, 30_000, 60_000];
/** How often a job whose pod is being provisioned is checked for having been taken by another runner. */
const SUPERSEDED_CHECK_MS = 500;
/** New pods a job gets after pods that ended before their runner took anything. */
const MAX_POD_ATTEMPTS = 3;

/** True when the runner of this job's current pod never took a job of the scale set. */
function runnerTookNothing(deps: JobWorkerDeps, jobId: string): boolean {
  return deps.record(jobId)?.ran === undefined;
}

/**
 * A pod ended, its runner took no job, and this job is still only assigned: the scale set is one runner
 * short, so the job gets another pod (after a grace for a JobStarted still in the queue). A busy queue can
 * hold that JobStarted longer than the grace, so GitHub settles it: a JIT runner is deleted when it takes
 * its first job, so a registration of the pod's runner still there (idle) means it took nothing. Without
 * it the runner took a job whose JobStarted is still on its way, and a new pod would only idle.
 */
async function needsAnotherPod(deps: JobWorkerDeps, jobId: string): Promise<boolean> {
  const still = (): boolean => {
    const r = deps.record(jobId);
    return r !== undefined && r.phase === 'assigned' && (r.attempt ?? 0) < MAX_POD_ATTEMPTS && runnerTookNothing(deps, jobId);
  };
  if (!still()) return false;
  if (!(await deps.context.clock.sleep(deps.startGraceMs ?? 5_000, deps.signal))) return false;
  if (!still()) return false;
  let runners: ScaleSetRunner[];
  try {
    runners = (await listScaleSetRunners(deps.admin, deps.scaleSet().id, deps.signal)).filter((r) => jobIdOfRunnerName(r.name) === jobId);
  } catch (err) {
    if (deps.signal.aborted) return false;
    const group = deps.group().provisioner;
    deps.context.logger.warn({ namespace: group.namespace, runner_group: group.name, job_id: jobId, err }, 'listing the scale set\'s runners failed; taking the pod\'s runner for one that took nothing');
    return still();
  }
  if (runners.some((r) => r.busy) || runners.length === 0) return false;
  for (const r of runners) await dropRunner(deps, jobId, r.id);
  return still();
}

/** Runs a job's pod to its end; resolves when it is done or the tier stops. Never throws. */
export async function runScaleSetJob(deps: JobWorkerDeps, jobId: string): Promise<void> {
  const { context } = deps;
  const log = (): Record<string, unknown> => ({ namespace: deps.group().provisioner.namespace, runner_group: deps.group().provisioner.name, job_id: jobId });
  if (!context.inFlight.tryClaim(jobId)) return;
  try {
    for (let attempt = 0; !deps.signal.aborted; attempt++) {
      const done = await attemptJob(deps, jobId).catch((err: unknown): Attempt => {
        if (deps.signal.aborted) return 'stopped';
        context.logger.warn({ ...log(), err }, 'a scale-set job step failed; trying again');
        return 'retry';
      });
      if (done === 'done' && (await needsAnotherPod(deps, jobId))) {
        if (!(await deps.nextAttempt(jobId))) return;
        context.logger.warn({ ...log(), attempt: deps.record(jobId)?.attempt }, 'the worker pod ended before its runner took a job; the job still waits at GitHub: a new pod');
        deps.capacityChanged();
        attempt = -1;
        continue;
      }
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
  const planId = planIdOf(record);
  const podName = workerPodName(group.name, planId);
  const existing = await kube.getPod(group.namespace, podName);
  if (existing) return followPod(deps, jobId, podName);
  // A runner is owed only by a pod that never existed: one that ran and is gone already gave its runner.
  if (record.phase !== 'assigned' && (record.podCreated === true || runnerOwedTo(deps, jobId) === undefined)) {
    // Its runner took it and the pod is gone (lost while the AGC was down): a disruption, or it concluded.
    if (record.phase === 'started') await rerunIfDisrupted(deps, jobId, classifyFinishedPod(undefined, {}));
    await kube.deleteSecret(group.namespace, jobSecretName(planId));
    return 'done';
  }
  // A Secret without a pod is a provisioning cut short by a crash: the job never got its runner.
  await kube.deleteSecret(group.namespace, jobSecretName(planId));
  const owed = runnerOwedTo(deps, jobId);
  if (owed !== undefined) context.logger.info({ namespace: group.namespace, runner_group: group.name, job_id: jobId, for_job_id: owed }, 'the runner of another job\'s pod took this job while that job still waits: this job\'s pod runs it');
  let jit;
  try {
    jit = await deps.admin.generateJitConfig(deps.scaleSet().id, runnerNamePrefix(jobId), deps.signal);
  } catch (err) {
    if (deps.signal.aborted) return 'stopped';
    context.logger.warn({ namespace: group.namespace, runner_group: group.name, job_id: jobId, err }, 'generating the JIT config of a scale-set job failed');
    return 'retry';
  }
  // The tier re-runs disruptions itself, with the run the pod's runner actually took.
  const ports = { ...context.provision, kubernetes: afterPodCreate(kube, () => deps.podCreated(jobId)), rerunner: undefined };
  const superseded = watchSuperseded(deps, jobId, podName);
  const provisionSignal = linkSignals(deps.signal, superseded.signal);
  let result: ProvisionResult;
  try {
    result = await provision(
      { planId, payload: scaleSetPayload(record, deps.scaleSet()), jitConfig: jit.encodedJitConfig, acquiredAt: new Date(record.assignedAt) },
      ports,
      group,
      { signal: provisionSignal.signal, jobCancelled: () => cancelledAt(ranRecord(deps, jobId)) !== undefined, jobCancelledAt: () => cancelledAt(ranRecord(deps, jobId)) },
    );
  } finally {
    superseded.stop();
    provisionSignal.dispose();
  }
  if (result.kind === 'aborted' && !deps.signal.aborted) {
    // Another runner of the scale set took the job while its own pod waited for room: no pod is needed.
    if (await kube.getPod(group.namespace, podName)) return followPod(deps, jobId, podName);
    context.logger.info({ namespace: group.namespace, runner_group: group.name, job_id: jobId, runner: record.runnerName }, 'another runner took the job before its pod was created; not creating it');
    // An aborted provision keeps the job Secret (for a successor after a shutdown); this job needs none.
    await kube.deleteSecret(group.namespace, jobSecretName(planId));
    await dropRunner(deps, jobId, jit.runnerId);
    return 'done';
  }
  switch (result.kind) {
    case 'finished':
      await rerunIfDisrupted(deps, jobId, result.outcome);
      return 'done';
    case 'duplicate':
      return (await kube.getPod(group.namespace, podName)) ? followPod(deps, jobId, podName) : 'retry';
    case 'aborted':
      return 'stopped';
    case 'invalid_payload':
      await dropRunner(deps, jobId, jit.runnerId);
      return 'done';
    default:
      // No pod will run this registration; the next attempt makes its own.
      await dropRunner(deps, jobId, jit.runnerId);
      return deps.record(jobId)?.phase === 'assigned' || runnerOwedTo(deps, jobId) !== undefined ? 'retry' : 'done';
  }
}

/** `kube`, with `hook` awaited after every pod it creates (before the provisioner goes on). */
function afterPodCreate(kube: KubernetesPort, hook: () => Promise<void>): KubernetesPort {
  return new Proxy(kube, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (key !== 'createPod') return (...args: unknown[]): unknown => method.apply(target, args);
      return async (...args: unknown[]): Promise<unknown> => {
        const created = await method.apply(target, args);
        await hook();
        return created;
      };
    },
  });
}

/** Deletes a JIT registration no pod will run (best effort: the periodic sweep catches what this misses). */
async function dropRunner(deps: JobWorkerDeps, jobId: string, runnerId: number): Promise<void> {
  if (deps.signal.aborted) return;
  const group = deps.group().provisioner;
  await deleteScaleSetRunner(deps.admin, runnerId, deps.signal).catch((err: unknown) =>
    deps.context.logger.warn({ namespace: group.namespace, runner_group: group.name, job_id: jobId, runner_id: runnerId, err }, 'deleting an unused JIT runner registration failed; the sweep retries'),
  );
}

/** The job's runner name belongs to another job's pod: that runner took it. */
function takenByAnotherRunner(record: ScaleSetJobRecord | undefined, jobId: string): boolean {
  return record?.runnerName !== undefined && jobOfRunner(record.runnerName, [jobId]) !== jobId;
}

/**
 * The job whose pod's runner took `jobId` instead, when that job still waits for a runner (no JobStarted):
 * JIT runners of a scale set are interchangeable, so the runner `jobId`'s own pod would start is the one that
 * job now needs. Without it, a job whose pod came late (a failed JIT config, a full quota) was taken by the
 * other job's runner and the other job was left assigned at GitHub with no runner ever coming for it.
 */
function runnerOwedTo(deps: JobWorkerDeps, jobId: string): string | undefined {
  const runnerName = deps.record(jobId)?.runnerName;
  const owner = runnerName === undefined ? undefined : jobIdOfRunnerName(runnerName);
  if (owner === undefined || owner === jobId) return undefined;
  return deps.record(owner)?.phase === 'assigned' ? owner : undefined;
}

/**
 * Aborts `signal` once the job was taken by a runner made for another job's pod while this job's own pod does
 * not exist yet (held by a ResourceQuota, say), and that other job no longer waits for a runner: creating the
 * pod would only start a runner with nothing to run.
 */
function watchSuperseded(deps: JobWorkerDeps, jobId: string, podName: string): { signal: AbortSignal; stop(): void } {
  const superseded = new AbortController();
  const done = new AbortController();
  const group = deps.group().provisioner;
  const until = linkSignals(done.signal, deps.signal);
  void (async () => {
    try {
      while (await deps.context.clock.sleep(SUPERSEDED_CHECK_MS, until.signal)) {
        if (!takenByAnotherRunner(deps.record(jobId), jobId) || runnerOwedTo(deps, jobId) !== undefined) continue;
        const pod = await deps.context.provision.kubernetes.getPod(group.namespace, podName).catch(() => 'unknown' as const);
        if (pod === undefined && !done.signal.aborted) superseded.abort(new Error('the job was taken by another runner'));
        return;
      }
    } finally {
      until.dispose();
    }
  })();
  return { signal: superseded.signal, stop: () => done.abort() };
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
  const at = cancelledAt(ranRecord(deps, jobId));
  const outcome = classifyFinishedPod(pod, { jobCancelled: at !== undefined, ...(at && { jobCancelledAt: at }) });
  context.logger.info({ namespace: group.namespace, runner_group: group.name, job_id: jobId, pod: podName, outcome: outcome.kind }, 'adopted worker pod finished');
  await context.provision.kubernetes.deleteSecret(group.namespace, jobSecretName(planIdOf(record ?? { jobId }))).catch(() => undefined);
  await rerunIfDisrupted(deps, jobId, outcome);
  return 'done';
}

/** The record of the job the pod made for `jobId` runs (its runner may have taken another job of the scale set). */
function ranRecord(deps: JobWorkerDeps, jobId: string): ScaleSetJobRecord | undefined {
  const ran = deps.record(jobId)?.ran?.jobId;
  return (ran !== undefined ? deps.record(ran) : undefined) ?? deps.record(jobId);
}

/** The job the pod made for `jobId` ran: what its runner took (JobStarted), else its own job. */
function jobRunOnPod(deps: JobWorkerDeps, jobId: string): RanJob | undefined {
  const record = deps.record(jobId);
  return record?.ran ?? record;
}

async function rerunIfDisrupted(deps: JobWorkerDeps, jobId: string, outcome: FinishedPodClass): Promise<void> {
  if (outcome.kind !== 'disrupted') return;
  const { context } = deps;
  // A runner that never took a job lost nothing at GitHub: the job still waits and gets a new pod instead.
  if (runnerTookNothing(deps, jobId) && !(await context.clock.sleep(deps.startGraceMs ?? 5_000, deps.signal))) return;
  if (runnerTookNothing(deps, jobId) && deps.record(jobId)?.phase === 'assigned') return;
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
