/**
 * Core's `WorkflowRunsPort` on broker-client's `GitHubRestClient` (installation token, one re-mint on 401,
 * Retry-After gate). broker-client has no workflow-run calls, so the two REST paths are built here.
 */
import type { RerunOutcome, RunRef, RunStatusOutcome, WorkflowRunsPort } from '@actions-gateway/core';
import { BrokerClientError, parseJsonBody, type GitHubRestClient } from '@actions-gateway/broker-client';

/** How {@link createWorkflowRunsPort} is wired. */
export interface WorkflowRunsPortOptions {
  /** The installation's REST client, e.g. `GitHubApp.rest`. */
  readonly rest: Pick<GitHubRestClient, 'call'>;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

function runPath(run: RunRef): string {
  return `/repos/${encodeURIComponent(run.owner)}/${encodeURIComponent(run.repo)}/actions/runs/${encodeURIComponent(run.runId)}`;
}

/** GitHub's refusal to re-run a run that has not concluded. */
const alreadyRunning = /already running/i;

/** Builds core's `WorkflowRunsPort`. */
export function createWorkflowRunsPort(options: WorkflowRunsPortOptions): WorkflowRunsPort {
  const { rest } = options;
  return {
    async rerunFailedJobs(run, signal): Promise<RerunOutcome> {
      try {
        await rest.call({ operation: 'rerunFailedJobs', method: 'POST', path: `${runPath(run)}/rerun-failed-jobs`, ok: [201], signal });
        return { kind: 'accepted' };
      } catch (err) {
        if (!(err instanceof BrokerClientError)) return { kind: 'error', error: asError(err) };
        const message = err.serverMessage ?? err.message;
        if (err.status === 404) return { kind: 'not_found' };
        if (err.status === 403 && alreadyRunning.test(message)) return { kind: 'already_running' };
        if (err.status === 403) return { kind: 'forbidden', message };
        return { kind: 'error', error: err };
      }
    },
    async getRunStatus(run, signal): Promise<RunStatusOutcome> {
      try {
        const res = await rest.call({ operation: 'getRunStatus', method: 'GET', path: runPath(run), ok: [200], signal });
        const body = parseJsonBody('getRunStatus', res) as { status?: unknown; conclusion?: unknown } | null;
        if (body === null || typeof body !== 'object' || typeof body.status !== 'string') {
          return { kind: 'error', error: new Error(`getRunStatus: run ${run.owner}/${run.repo}#${run.runId}: the answer has no string "status"`) };
        }
        const conclusion = typeof body.conclusion === 'string' ? body.conclusion : null;
        return { kind: 'found', status: body.status, conclusion };
      } catch (err) {
        if (err instanceof BrokerClientError && err.status === 404) return { kind: 'not_found' };
        return { kind: 'error', error: asError(err) };
      }
    },
  };
}
