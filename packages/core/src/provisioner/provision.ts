import { SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { decideCeiling } from '../admission/ceiling.js';
import { isActiveWorkerPod } from '../admission/admission.js';
import { classifyFinishedPod, type FinishedPodClass } from '../disruption/classify.js';
import type { DisruptionRerunner, RerunResult } from '../disruption/rerun.js';
import type { Clock } from '../ports/clock.js';
import type { Pod } from '../ports/k8s-objects.js';
import { isConflict, type KubernetesPort } from '../ports/kubernetes.js';
import type { Logger } from '../ports/logger.js';
import type { ProvisionerMetrics } from '../ports/metrics.js';
import { countReap, stampAndDeletePod } from '../reaper/delete.js';
import { buildWorkerPod } from '../workerpod/build-pod.js';
import type { ProvisionerGroup } from '../workerpod/group.js';
import { buildJobSecret } from '../workerpod/job-secret.js';
import { workerPodSelector } from '../workerpod/labels.js';
import { jobSecretName, workerPodName } from '../workerpod/names.js';
import { linkSignals } from '../signals/link-signals.js';
import { readJobRun, type JobRunLookup } from './payload.js';
import { createPodWithQuotaRetry } from './quota-retry.js';
import type { RenewLoop } from './renew-loop.js';
import { ABORTED, waitWithRetry } from './wait-for-pod.js';
import * as T from './tracing.js';

/** A claimed job: its plan, the raw acquire body for the worker, and when the claim succeeded. */
export interface ProvisionJob {
  readonly planId: string;
  readonly payload: string;
  /** The classic tier's agent JIT config, staged for the worker. */
  readonly jitConfig?: string | undefined;
  readonly acquiredAt: Date;
}

/** The ports the provisioner runs on. */
export interface ProvisionPorts {
  readonly kubernetes: KubernetesPort;
  readonly clock: Clock;
  readonly metrics: ProvisionerMetrics;
  readonly logger: Logger;
  /** Defaults to `trace.getTracer('@actions-gateway/core')`. */
  readonly tracer?: Tracer | undefined;
  /** Re-runs disrupted jobs; without it disruptions are only reported. */
  readonly rerunner?: DisruptionRerunner | undefined;
}

/** Per-job options. */
export interface ProvisionOptions {
  /** The job's renew loop: the provisioner stops it when the pod ends, and gives up when it abandons the job. */
  readonly renewal?: RenewLoop | undefined;
  /** Aborts the wait (AGC shutdown): the pod keeps running, the Secret stays for it. */
  readonly signal?: AbortSignal | undefined;
  /**
   * True when the AGC saw the job cancelled by a user (asked when the pod ends, and again before each re-run
   * call of a disrupted job). A runner that reports `canceled` because its pod was killed is not this.
   */
  readonly jobCancelled?: (() => boolean) | undefined;
  /**
   * When the AGC learned of that cancellation. A `canceled` learned once the pod's disruption had begun is the
   * killed runner reporting its own end (a graceful preemption: SIGTERM → `canceled`), and the pod classifies
   * as disrupted (see `ClassifyContext.jobCancelledAt`). Without it any cancellation wins.
   */
  readonly jobCancelledAt?: (() => Date | undefined) | undefined;
  /**
   * The job was claimed and staged by an earlier AGC (its job Secret exists; its pod may too): the existing
   * Secret and pod are this job's, followed rather than refused as duplicates, and the ceiling is not asked
   * again (the claiming AGC admitted it; a hold now would lose a job GitHub gave us).
   */
  readonly adopt?: boolean | undefined;
  /**
   * Called once the job Secret is written (at once for an adopted job): from then on a restarted AGC finds the
   * job. A caller defers its other work for a new claim until then, so nothing competes with that write.
   */
  readonly onStaged?: (() => void) | undefined;
}

/** How one job's provisioning ended. Only `finished` ran a pod to its end. */
export type ProvisionResult =
  | { readonly kind: 'finished'; readonly podName: string; readonly outcome: FinishedPodClass; readonly phase: string; readonly reason: string; readonly rerun?: RerunResult; readonly run: JobRunLookup }
  | { readonly kind: 'invalid_payload'; readonly detail: string }
  | { readonly kind: 'duplicate'; readonly detail: string }
  | { readonly kind: 'held'; readonly reason: 'ceiling' | 'tier'; readonly detail: string }
  | { readonly kind: 'create_failed'; readonly quotaExhausted: boolean; readonly error: Error }
  /** A Kubernetes call failed before the pod existed (the job Secret is removed). */
  | { readonly kind: 'error'; readonly error: Error }
  | { readonly kind: 'stage_failed'; readonly error: Error }
  | { readonly kind: 'abandoned' }
  | { readonly kind: 'aborted' };

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Runs one claimed job to its end: stage the job Secret, count the group's active pods (re-checking the
 * ceiling), create the worker pod (retrying quota refusals), wait for it to finish, record
 * `job_duration_seconds`, classify the end, re-run a disrupted job, and clean up. Never throws for what a
 * job or the API can do; every path returns a {@link ProvisionResult} and removes the job Secret unless the
 * pod still runs.
 */
export async function provision(job: ProvisionJob, ports: ProvisionPorts, group: ProvisionerGroup, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const tracer = ports.tracer ?? T.defaultTracer();
  const podName = workerPodName(group.name, job.planId);
  // Its own root trace (as the seed says): the listener may run inside the context of the reconcile that started it.
  const root = tracer.startSpan(T.PROVISION_SPAN, {
    root: true,
    attributes: { [T.ProvisionAttributes.namespace]: group.namespace, [T.ProvisionAttributes.name]: group.name, [T.ProvisionAttributes.planId]: job.planId, [T.ProvisionAttributes.podName]: podName },
  });
  try {
    const result = await provisionIn(root, tracer, job, ports, group, options, podName);
    if (result.kind !== 'finished' && result.kind !== 'held') root.setStatus({ code: SpanStatusCode.ERROR, message: result.kind });
    return result;
  } catch (err) {
    root.recordException(asError(err));
    root.setStatus({ code: SpanStatusCode.ERROR, message: asError(err).message });
    ports.logger.error({ namespace: group.namespace, runner_group: group.name, plan_id: job.planId, err }, 'provisioning failed');
    await ports.kubernetes.deleteSecret(group.namespace, jobSecretName(job.planId)).catch(() => undefined);
    return { kind: 'error', error: asError(err) };
  } finally {
    root.end();
  }
}

async function provisionIn(root: Span, tracer: Tracer, job: ProvisionJob, ports: ProvisionPorts, group: ProvisionerGroup, options: ProvisionOptions, podName: string): Promise<ProvisionResult> {
  const { kubernetes: kube, logger } = ports;
  const log = { namespace: group.namespace, runner_group: group.name, plan_id: job.planId, pod: podName };
  const run = readJobRun(job.payload);
  if (!run.ok && run.problem === 'malformed_json') {
    logger.error({ ...log, detail: run.detail }, 'job payload is not JSON; no worker pod created');
    return { kind: 'invalid_payload', detail: run.detail };
  }
  if (!run.ok) logger.warn({ ...log, problem: run.problem, detail: run.detail }, 'job payload names no run: a disruption cannot re-run it');
  const secretName = jobSecretName(job.planId);
  const dropSecret = (): Promise<void> => kube.deleteSecret(group.namespace, secretName).catch((err: unknown) => logger.warn({ ...log, err }, 'deleting the job Secret failed'));

  // A failing step's child span carries the error (seed): the steps report failure as values, not throws.
  const staged = options.adopt
    ? undefined
    : await T.inChildSpan(tracer, root, T.STAGE_JOB_SECRET_SPAN, (span) =>
        kube.createSecret(group.namespace, buildJobSecret(group, job)).then(
          () => undefined,
          (err: unknown) => T.markFailed(span, asError(err)),
        ),
      );
  if (!staged) options.onStaged?.();
  if (staged) {
    if (isConflict(staged)) return { kind: 'duplicate', detail: `job Secret ${secretName} exists: this plan is already provisioned` };
    logger.error({ ...log, err: staged }, 'staging the job Secret failed');
    return { kind: 'stage_failed', error: staged };
  }

  const active = await T.inChildSpan(tracer, root, T.COUNT_ACTIVE_PODS_SPAN, async () => (await kube.listPods(group.namespace, workerPodSelector(group.name))).filter(isActiveWorkerPod).length);
  const ceiling = decideCeiling(active, group);
  const held = ceiling.held && !options.adopt;
  // An adopted job past the tiers runs in the last tier's class (the one past all others in line).
  const priorityClassName = ceiling.held ? lastTierClass(group) : ceiling.priorityClassName;
  root.setAttributes({ [T.ProvisionAttributes.activePods]: active, [T.ProvisionAttributes.ceilingHeld]: held, [T.ProvisionAttributes.priorityClass]: held ? '' : (priorityClassName ?? '') });
  if (held) {
    await dropSecret();
    logger.warn({ ...log, active_pods: active, detail: ceiling.detail }, 'job held at the ceiling after admission (a race); not run');
    return { kind: 'held', reason: ceiling.reason, detail: ceiling.detail };
  }

  const abandoned = options.renewal?.abandoned;
  const pod = buildWorkerPod(group, { planId: job.planId, runId: run.ok ? run.run.runId : undefined, repository: run.ok ? `${run.run.owner}/${run.run.repo}` : undefined }, priorityClassName);
  const created = await T.inChildSpan(tracer, root, T.CREATE_POD_SPAN, async (span) => {
    const createSignal = linkSignals(options.signal, abandoned);
    try {
      const outcome = await createPodWithQuotaRetry(kube, group.namespace, pod, { maxRetries: group.maxQuotaRetries, delayMs: group.quotaRetryDelayMs, clock: ports.clock, logger, signal: createSignal.signal });
      if ('error' in outcome) T.markFailed(span, outcome.error);
      return outcome;
    } finally {
      createSignal.dispose();
    }
  });
  const adoptedPod = created.kind === 'already_exists' && options.adopt;
  if (created.kind !== 'created' && !adoptedPod) {
    // Cut short by a shutdown: the job is still ours, and the next AGC adopts its Secret and creates the pod.
    if (created.kind === 'aborted' && !abandoned?.aborted) return { kind: 'aborted' };
    await dropSecret();
    if (created.kind === 'aborted') return { kind: 'abandoned' };
    if (created.kind === 'already_exists') return { kind: 'duplicate', detail: `worker pod ${podName} exists: this plan is already provisioned` };
    logger.error({ ...log, err: created.error, outcome: created.kind }, 'creating the worker pod failed');
    return { kind: 'create_failed', quotaExhausted: created.kind === 'quota_exhausted', error: created.error };
  }

  const waitSignal = options.signal ?? new AbortController().signal;
  const finished = await T.inChildSpan(tracer, root, T.WAIT_FOR_COMPLETION_SPAN, () => waitWithRetry(ports, group, job, podName, waitSignal, adoptedPod === true));
  if (finished === ABORTED) return { kind: 'aborted' };
  return finish(root, job, ports, group, options, podName, finished, run, dropSecret);
}

function lastTierClass(group: ProvisionerGroup): string | undefined {
  const tiers = group.priorityTiers ?? [];
  return tiers.length === 0 ? undefined : tiers.reduce((last, t) => (t.threshold > last.threshold ? t : last)).priorityClassName;
}

/** How the pod ended, with what the caller knows of a cancellation (and when it learned it). */
function classifyEnd(finished: Pod | undefined, options: ProvisionOptions): FinishedPodClass {
  const cancelledAt = options.jobCancelledAt?.();
  return classifyFinishedPod(finished, { jobCancelled: options.jobCancelled?.() ?? false, ...(cancelledAt && { jobCancelledAt: cancelledAt }) });
}

async function finish(
  root: Span,
  job: ProvisionJob,
  ports: ProvisionPorts,
  group: ProvisionerGroup,
  options: ProvisionOptions,
  podName: string,
  finished: Pod | undefined,
  run: JobRunLookup,
  dropSecret: () => Promise<void>,
): Promise<ProvisionResult> {
  const seconds = Math.max(0, (ports.clock.now().getTime() - job.acquiredAt.getTime()) / 1000);
  ports.metrics.jobDuration.observe({ namespace: group.namespace, runner_group: group.name }, seconds);
  const phase = finished?.status?.phase ?? (finished ? 'Unknown' : 'Deleted');
  const reason = finished?.status?.reason ?? '';
  root.setAttributes({ [T.ProvisionAttributes.podPhase]: phase, [T.ProvisionAttributes.podReason]: reason, [T.ProvisionAttributes.durationSeconds]: seconds });
  const outcome = classifyEnd(finished, options);
  await options.renewal?.stop();
  const log = { namespace: group.namespace, runner_group: group.name, plan_id: job.planId, pod: podName, outcome: outcome.kind, phase, reason };
  ports.logger.info(log, 'worker pod finished');

  if (group.completedPodTtlMs === 0 && finished && finished.metadata?.deletionTimestamp === undefined) {
    await stampAndDeletePod(ports.kubernetes, group.namespace, podName, 'completed_ttl', finished.metadata?.uid).then(
      (deleted) => deleted && countReap(ports.metrics, ports.logger, { namespace: group.namespace, runner_group: group.name, reason: 'completed_ttl' }),
      (err: unknown) => ports.logger.warn({ ...log, err }, 'deleting the completed worker pod failed'),
    );
  }
  await dropSecret();

  let rerun: RerunResult | undefined;
  if (outcome.kind === 'disrupted' && run.ok && ports.rerunner) {
    rerun = await ports.rerunner.rerun(
      {
        run: run.run,
        group,
        maxEvictionRetries: group.maxEvictionRetries,
        evictionRetryDelayMs: group.evictionRetryDelayMs,
        planId: job.planId,
        // Asked again before each call: a cancellation that arrives while the re-run waits still counts, a
        // killed runner's own `canceled` does not.
        cancelledByUser: options.jobCancelled && (() => classifyEnd(finished, options).kind === 'cancelled'),
      },
      options.signal ?? new AbortController().signal,
    );
  } else if (outcome.kind === 'disrupted') {
    ports.logger.warn({ ...log }, 'disrupted job cannot be re-run: its payload names no run');
  }
  return rerun ? { kind: 'finished', podName, outcome, phase, reason, rerun, run } : { kind: 'finished', podName, outcome, phase, reason, run };
}
