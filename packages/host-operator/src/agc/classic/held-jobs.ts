/**
 * The jobs a classic listener holds right now (acquired, pod not yet ended), keyed by plan and by job id,
 * so that a `JobCancellation` (by job id) and the reaper's `cancelJob` (by the plan recorded on the pod)
 * reach the job's lease and pod. A job a user cancelled is marked so: its pod classifies `cancelled` and a
 * disruption of it is never re-run.
 */
import { JOB_CANCELLED_REASON, stampAndDeletePod, type BrokerCallOutcome, type Clock, type JobBrokerPort, type JobLease, type KubernetesPort, type Logger } from '@actions-gateway/core';

/** How often a cancelled job whose pod does not exist yet looks again (the pod may still be being created). */
const POD_RECHECK_MS = 1_000;

/** One held job. */
export class HeldJob {
  #cancelledByUser = false;
  #stopping: Promise<void> | undefined;
  readonly #ended = new AbortController();

  constructor(
    readonly lease: JobLease,
    readonly broker: JobBrokerPort,
    readonly pod: { readonly namespace: string; readonly name: string; readonly runnerGroup: string },
    private readonly deps: { readonly kubernetes: KubernetesPort; readonly clock: Clock; readonly logger: Logger },
  ) {}

  /** True once the AGC learned that a user cancelled the job. */
  get cancelledByUser(): boolean {
    return this.#cancelledByUser;
  }

  /** Aborted when the job's handling ended (nothing more to stop). */
  get ended(): AbortSignal {
    return this.#ended.signal;
  }

  /**
   * A user cancelled the job (`JobCancellation`): mark it, and stop its worker pod promptly, stamped
   * `job_cancelled` (the worker gets SIGTERM and reports the job `canceled`, as the runner does). A pod not
   * created yet is deleted once it appears. Resolves once the pod was deleted or the job ended; never throws.
   */
  cancelForUser(): Promise<void> {
    this.#cancelledByUser = true;
    this.#stopping ??= this.#stopPod();
    return this.#stopping;
  }

  /** The reaper gives the job up: complete it at GitHub as cancelled (the job lease's `canceled`). */
  async cancelAtGitHub(signal: AbortSignal): Promise<BrokerCallOutcome> {
    this.#cancelledByUser = true;
    return this.broker.cancelJob(this.lease, signal).catch((err: unknown) => ({ kind: 'error' as const, error: err instanceof Error ? err : new Error(String(err)) }));
  }

  /** The job's handling ended. */
  end(): void {
    this.#ended.abort();
  }

  async #stopPod(): Promise<void> {
    const { kubernetes, clock, logger } = this.deps;
    const fields = { namespace: this.pod.namespace, runner_group: this.pod.runnerGroup, plan_id: this.lease.planId, job_id: this.lease.jobId, pod: this.pod.name };
    while (!this.#ended.signal.aborted) {
      try {
        if (await stampAndDeletePod(kubernetes, this.pod.namespace, this.pod.name, JOB_CANCELLED_REASON)) {
          logger.info(fields, 'job cancelled at GitHub: worker pod deleted');
          return;
        }
      } catch (err) {
        logger.warn({ ...fields, err }, 'deleting the worker pod of a cancelled job failed; trying again');
      }
      if (!(await clock.sleep(POD_RECHECK_MS, this.#ended.signal))) return;
    }
  }
}

/** The held jobs of one listener. */
export class HeldJobs {
  // Made with the first job: most listeners idle, and an empty Map still costs its table.
  #byPlan: Map<string, HeldJob> | undefined;
  #byJobId: Map<string, HeldJob> | undefined;

  /** Adds a job; returns the function that removes it (and ends its pending pod stop). */
  hold(job: HeldJob): () => void {
    const byPlan = (this.#byPlan ??= new Map());
    const byJobId = (this.#byJobId ??= new Map());
    const jobId = job.lease.jobId.toLowerCase();
    byPlan.set(job.lease.planId, job);
    byJobId.set(jobId, job);
    return () => {
      job.end();
      if (byPlan.get(job.lease.planId) === job) byPlan.delete(job.lease.planId);
      if (byJobId.get(jobId) === job) byJobId.delete(jobId);
    };
  }

  /** The held job of a broker job id (GUIDs compared without case), if any. */
  byJobId(jobId: string): HeldJob | undefined {
    return this.#byJobId?.get(jobId.toLowerCase());
  }

  /** The held job of a plan, if any. */
  byPlan(planId: string): HeldJob | undefined {
    return this.#byPlan?.get(planId);
  }

  get size(): number {
    return this.#byPlan?.size ?? 0;
  }
}
