import type { Clock } from '../ports/clock.js';
import type { RunRef, WorkflowRunsPort } from '../ports/github.js';
import type { Logger } from '../ports/logger.js';
import type { GroupLabels, ProvisionerMetrics } from '../ports/metrics.js';
import type { RerunBudgetStore } from './budget.js';

/** How long GitHub's "already running" refusal is retried. */
export const RERUN_WINDOW_MS = 15 * 60_000;
/** How often a refused re-run is retried within {@link RERUN_WINDOW_MS}. */
export const RERUN_RETRY_INTERVAL_MS = 30_000;

/** One disrupted job's re-run request. */
export interface RerunRequest {
  readonly run: RunRef;
  readonly group: { readonly namespace: string; readonly name: string };
  readonly maxEvictionRetries: number;
  /** Wait before the first call. */
  readonly evictionRetryDelayMs: number;
  readonly planId?: string;
  /**
   * True once the AGC saw a user cancel the job (a `JobCancellation` message, a renew answering 404/410, a
   * scale-set `JobCompleted` with result `canceled` before the disruption). Asked before every call: a run
   * the user cancelled is never re-run, even when the cancellation arrives while the re-run waits.
   */
  readonly cancelledByUser?: (() => boolean) | undefined;
}

/** How a re-run request ended. Only `accepted` re-queued work. */
export type RerunResult =
  | { readonly kind: 'accepted'; readonly attempts: number }
  | { readonly kind: 'budget_exhausted' }
  /** The AGC saw a user cancel the job ({@link RerunRequest.cancelledByUser}). */
  | { readonly kind: 'run_cancelled' }
  | { readonly kind: 'run_not_found' }
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'window_expired'; readonly attempts: number }
  | { readonly kind: 'aborted' };

/** What the rerunner needs. */
export interface RerunnerDeps {
  readonly github: WorkflowRunsPort;
  readonly clock: Clock;
  readonly budget: RerunBudgetStore;
  readonly metrics: Pick<ProvisionerMetrics, 'evictionRetries' | 'evictionRetriesExhausted'>;
  readonly logger: Logger;
  readonly windowMs?: number;
  readonly retryIntervalMs?: number;
}

/**
 * Re-runs the failed jobs of disrupted runs. Requests for a run already being handled join the one in
 * flight (several jobs of one run evicted by the same drain end in one re-run). A request takes one slot
 * of the run's budget, then calls GitHub until it accepts, the AGC learns the user cancelled the job, or
 * the window ends.
 *
 * Whether a run was cancelled by a user comes from what the AGC saw ({@link RerunRequest.cancelledByUser}),
 * never from the run's conclusion: a worker killed by a disruption gets SIGTERM and the runner reports its
 * job `canceled`, so GitHub concludes the run `cancelled` exactly as after a user's cancel. A disrupted job
 * reaches the rerunner only when its pod was classified `disrupted` (a job that failed on its own merits,
 * a reaped pod and a job the AGC saw cancelled never do).
 */
export class DisruptionRerunner {
  readonly #inFlight = new Map<string, Promise<RerunResult>>();

  constructor(private readonly deps: RerunnerDeps) {}

  /** Handles one request; never throws. Call it only after the job's renewal stopped. */
  rerun(request: RerunRequest, signal: AbortSignal): Promise<RerunResult> {
    const key = `${request.run.owner}/${request.run.repo}#${request.run.runId}`;
    const running = this.#inFlight.get(key);
    if (running) return running;
    const work = this.#handle(request, signal).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, work);
    return work;
  }

  async #handle(request: RerunRequest, signal: AbortSignal): Promise<RerunResult> {
    const { clock, budget, metrics, logger } = this.deps;
    const labels: GroupLabels = { namespace: request.group.namespace, runner_group: request.group.name };
    const log = { namespace: labels.namespace, runner_group: labels.runner_group, run_id: request.run.runId, plan_id: request.planId };
    if (!(await budget.reserve(request.run.runId, request.maxEvictionRetries))) {
      metrics.evictionRetriesExhausted.inc(labels);
      logger.warn({ ...log, max_eviction_retries: request.maxEvictionRetries }, 'disrupted job not re-run: the run has used its re-run budget');
      return { kind: 'budget_exhausted' };
    }
    const deadline = clock.now().getTime() + (this.deps.windowMs ?? RERUN_WINDOW_MS);
    let attempts = 0;
    let wait = request.evictionRetryDelayMs;
    for (;;) {
      if (!(await clock.sleep(wait, signal))) return { kind: 'aborted' };
      wait = this.deps.retryIntervalMs ?? RERUN_RETRY_INTERVAL_MS;
      const result = await this.#attempt(request, signal);
      if (result === 'retry') {
        attempts += 1;
        if (clock.now().getTime() + wait > deadline) {
          metrics.evictionRetriesExhausted.inc(labels);
          logger.warn({ ...log, attempts }, 'disrupted job not re-run: GitHub kept refusing for the whole retry window');
          return { kind: 'window_expired', attempts };
        }
        continue;
      }
      if (result.kind === 'accepted') {
        metrics.evictionRetries.inc(labels);
        logger.info({ ...log, attempts: attempts + 1 }, 'disrupted job re-queued: GitHub accepted the re-run');
        return { kind: 'accepted', attempts: attempts + 1 };
      }
      if (result.kind === 'refused') metrics.evictionRetriesExhausted.inc(labels);
      logger.warn({ ...log, outcome: result.kind }, 'disrupted job not re-run');
      return result;
    }
  }

  async #attempt(request: RerunRequest, signal: AbortSignal): Promise<'retry' | RerunResult> {
    const { github, logger } = this.deps;
    const { run } = request;
    if (request.cancelledByUser?.()) return { kind: 'run_cancelled' };
    const status = await github.getRunStatus(run, signal);
    if (status.kind === 'not_found') return { kind: 'run_not_found' };
    if (status.kind === 'error') {
      logger.warn({ run_id: run.runId, err: status.error }, 'run status lookup failed; will retry');
      return 'retry';
    }
    // GitHub accepts a re-run of a completed run whatever its conclusion (a `cancelled` one included) and
    // refuses it while the run is in progress; the status call only tells a deleted run apart.
    const outcome = await github.rerunFailedJobs(run, signal);
    switch (outcome.kind) {
      case 'accepted':
        return { kind: 'accepted', attempts: 0 };
      case 'not_found':
        return { kind: 'run_not_found' };
      case 'forbidden':
        return { kind: 'refused', message: outcome.message };
      case 'already_running':
        return 'retry';
      case 'error':
        logger.warn({ run_id: run.runId, err: outcome.error }, 'rerun call failed; will retry');
        return 'retry';
    }
  }
}
