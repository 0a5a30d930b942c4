/** Labels and annotations the AGC puts on worker pods and job Secrets, and reads back. */
import { boundedLabelValue } from '../naming/bounded-name.js';
import { Labels } from '../naming/names.js';

/** The run id (digits), so a disrupted job can be re-run after an AGC restart. */
export const LABEL_RUN_ID = 'actions-gateway/run-id';
/** The raw plan id (the label holds its bounded form). */
export const ANNOTATION_PLAN_ID = 'actions-gateway/plan-id';
/** The run id as an annotation: where {@link jobRefOfPod} reads it back (the label is for selectors). */
export const ANNOTATION_RUN_ID = 'actions-gateway/run-id';
/** `owner/repo` of the run. */
export const ANNOTATION_REPOSITORY = 'actions-gateway/repository';
/**
 * Why the AGC deleted this pod (`completed_ttl`, `pending_deadline`, `job_abandoned`). Stamped before
 * the delete; the disruption classifier treats a pod carrying it as reaped and never re-runs its job.
 */
export const ANNOTATION_DELETION_REASON = 'actions-gateway/deletion-reason';

/** The `actions-gateway/runner-group` label value of a group. */
export function runnerGroupLabelValue(groupName: string): string {
  return boundedLabelValue(groupName);
}

/** The label selector of a group's worker pods. */
export function workerPodSelector(groupName: string): Record<string, string> {
  return { [Labels.runnerGroup]: runnerGroupLabelValue(groupName), [Labels.component]: Labels.componentWorkload };
}
