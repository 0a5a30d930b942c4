/**
 * The GitHub REST calls disruption handling needs: re-run a run's failed jobs and look a run up.
 * The AGC implements it with the installation token; a third party with any GitHub client.
 */
export interface WorkflowRunsPort {
  /**
   * `POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs`. GitHub refuses (403) while the
   * run is still running; that answer is `already_running`, not an error.
   */
  rerunFailedJobs(run: RunRef, signal: AbortSignal): Promise<RerunOutcome>;
  /** `GET /repos/{owner}/{repo}/actions/runs/{run_id}`. */
  getRunStatus(run: RunRef, signal: AbortSignal): Promise<RunStatusOutcome>;
}

/** A workflow run. `owner` and `repo` are validated by core before any call. */
export interface RunRef {
  readonly owner: string;
  readonly repo: string;
  readonly runId: string;
}

/** The answer to a rerun request. */
export type RerunOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'already_running' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'forbidden'; readonly message: string }
  | { readonly kind: 'error'; readonly error: Error };

/** A run's state: `conclusion` is set once `status` is `completed` (`success`, `failure`, `cancelled`, …). */
export type RunStatusOutcome =
  | { readonly kind: 'found'; readonly status: string; readonly conclusion?: string | null }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'error'; readonly error: Error };
