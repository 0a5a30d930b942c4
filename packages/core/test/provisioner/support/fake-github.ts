import type { Clock, RerunOutcome, RunRef, RunStatusOutcome, WorkflowRunsPort } from '../../../src/index.js';

interface Run {
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  /** The run concludes by itself at this time (GitHub noticing the lost runner). */
  concludesAt?: { at: number; conclusion: string };
  acceptedReruns: number;
}

/**
 * GitHub's workflow runs, as the rerun API sees them: a re-run is refused as "already running" until the
 * run has concluded; an accepted re-run queues the run again.
 */
export class FakeWorkflowRuns implements WorkflowRunsPort {
  readonly runs = new Map<string, Run>();
  readonly calls: { op: 'rerun' | 'status'; runId: string; at: number }[] = [];

  constructor(private readonly clock: Clock) {}

  addRun(runId: string, concludesAfterMs?: number, conclusion = 'failure'): void {
    const run: Run = { status: 'in_progress', conclusion: null, acceptedReruns: 0 };
    if (concludesAfterMs !== undefined) run.concludesAt = { at: this.clock.now().getTime() + concludesAfterMs, conclusion };
    this.runs.set(runId, run);
  }

  conclude(runId: string, conclusion: string): void {
    const run = this.runs.get(runId);
    if (run) Object.assign(run, { status: 'completed', conclusion, concludesAt: undefined });
  }

  acceptedReruns(runId: string): number {
    return this.runs.get(runId)?.acceptedReruns ?? 0;
  }

  #run(ref: RunRef): Run | undefined {
    const run = this.runs.get(ref.runId);
    if (run?.concludesAt && this.clock.now().getTime() >= run.concludesAt.at) this.conclude(ref.runId, run.concludesAt.conclusion);
    return run;
  }

  rerunFailedJobs(ref: RunRef): Promise<RerunOutcome> {
    this.calls.push({ op: 'rerun', runId: ref.runId, at: this.clock.now().getTime() });
    const run = this.#run(ref);
    if (!run) return Promise.resolve({ kind: 'not_found' });
    if (run.status !== 'completed') return Promise.resolve({ kind: 'already_running' });
    if (run.conclusion === 'success') return Promise.resolve({ kind: 'forbidden', message: 'the run has no failed jobs' });
    Object.assign(run, { status: 'queued', conclusion: null });
    run.acceptedReruns += 1;
    return Promise.resolve({ kind: 'accepted' });
  }

  getRunStatus(ref: RunRef): Promise<RunStatusOutcome> {
    this.calls.push({ op: 'status', runId: ref.runId, at: this.clock.now().getTime() });
    const run = this.#run(ref);
    if (!run) return Promise.resolve({ kind: 'not_found' });
    return Promise.resolve({ kind: 'found', status: run.status, conclusion: run.conclusion });
  }
}
