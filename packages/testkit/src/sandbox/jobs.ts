// The sandbox's jobs: queued at the fake GitHub, followed to their conclusion, with the time from queueing to
// the worker pod's creation (matched by the plan id the AGC stamps on the pod).
import type { FakeGitHub } from '../github/server.js';
import type { JobView } from '../github/views.js';

/** One queued job as the sandbox follows it. */
export interface TrackedJob {
  readonly requestId: number;
  readonly planId: string;
  readonly tenant: string;
  readonly group: string;
  readonly queuedAt: number;
  podAt?: number;
}

/** Counts by state, for the view. */
export interface JobCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
}

const SUCCESS = new Set(['succeeded', 'succeededWithIssues']);

/** Nearest-rank percentile of `values` (ms); undefined when empty. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The sandbox's jobs and what became of them. */
export class JobBook {
  private readonly jobs = new Map<string, TrackedJob>();

  constructor(private readonly github: FakeGitHub, private readonly now: () => number = Date.now) {}

  /** Queues one job at the fake GitHub. */
  enqueue(tenant: string, group: string, spec: { org: string; labels: string[]; durationMs: number; conclusion: string }): TrackedJob {
    const view = this.github.control.enqueueJob({ org: spec.org, repo: `${spec.org}/app`, labels: spec.labels, durationMs: spec.durationMs, conclusion: spec.conclusion });
    const job: TrackedJob = { requestId: view.requestId, planId: view.planId, tenant, group, queuedAt: this.now() };
    this.jobs.set(view.planId, job);
    return job;
  }

  /** Records the first worker pod seen for a plan id (the scale-set tier names pods by its own job id: matched by request id too). */
  podSeen(planOrJobId: string): void {
    const job = this.jobs.get(planOrJobId) ?? [...this.jobs.values()].find((j) => this.view(j)?.jobId === planOrJobId);
    if (job && job.podAt === undefined) job.podAt = this.now();
  }

  private view(j: TrackedJob): JobView | undefined {
    return this.github.control.job(j.requestId);
  }

  all(): TrackedJob[] {
    return [...this.jobs.values()];
  }

  /** The fake's view of every tracked job. */
  views(): { job: TrackedJob; view: JobView | undefined }[] {
    return this.all().map((job) => ({ job, view: this.view(job) }));
  }

  counts(): JobCounts {
    const c: JobCounts = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const { view } of this.views()) {
      if (!view || view.state === 'queued' || view.state === 'delivered') c.queued++;
      else if (view.state === 'acquired' || view.state === 'running') c.running++;
      else if (SUCCESS.has(view.conclusion ?? '')) c.done++;
      else c.failed++;
    }
    return c;
  }

  /** True when every job concluded. */
  allConcluded(): boolean {
    return this.views().every(({ view }) => view?.state === 'completed' || view?.state === 'cancelled');
  }

  /** Queue → pod latencies (ms) of the jobs whose pod was seen. */
  latencies(): number[] {
    return this.all().filter((j) => j.podAt !== undefined).map((j) => j.podAt! - j.queuedAt);
  }

  /** The conclusions, counted. */
  conclusions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { view } of this.views()) {
      const k = view?.conclusion ?? view?.state ?? 'unknown';
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  /** True when every job concluded with a success. */
  allSucceeded(): boolean {
    return this.views().every(({ view }) => view?.state === 'completed' && SUCCESS.has(view.conclusion ?? ''));
  }
}
