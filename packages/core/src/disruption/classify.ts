import type { Pod } from '../ports/k8s-objects.js';
import type { DeletionReason } from '../ports/metrics.js';
import { ANNOTATION_DELETION_REASON } from '../workerpod/labels.js';

/** The deletion reason the AGC stamps on the pod of a job a user cancelled; such a pod classifies `cancelled`. */
export const JOB_CANCELLED_REASON = 'job_cancelled' satisfies DeletionReason;

/** How a platform disruption ended a worker pod. */
export type DisruptionCause = 'evicted' | 'preempted' | 'drained' | 'deleted' | 'node_lost' | 'vanished';

/** Why a worker pod stopped, and so whether its job may be re-run (only `disrupted` is). A reaped pod's `reason` is its stamped deletion reason. */
export type FinishedPodClass =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly detail: string }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'reaped'; readonly reason: string }
  | { readonly kind: 'disrupted'; readonly cause: DisruptionCause; readonly detail: string };

/** What the caller knows beyond the pod. */
export interface ClassifyContext {
  /** The AGC saw the job cancelled by a user (a `JobCancellation`, a scale-set `JobCompleted` `canceled`). */
  readonly jobCancelled?: boolean;
  /**
   * When the AGC learned of that cancellation. A `canceled` result learned at or after the moment the pod's
   * disruption began is the killed runner reporting its own end (SIGTERM → `canceled`), not a user's cancel:
   * the pod then classifies as disrupted. Without it any `jobCancelled` wins.
   */
  readonly jobCancelledAt?: Date;
  /** The AGC itself deleted the pod (e.g. `completedPodTTL` 0) without stamping a reason. */
  readonly deletedByAgc?: boolean;
}

const disruptionTargetCauses: Record<string, DisruptionCause> = {
  PreemptionByScheduler: 'preempted',
  EvictionByEvictionAPI: 'drained',
  TerminationByKubelet: 'evicted',
  DeletionByTaintManager: 'deleted',
  DeletionByPodGC: 'deleted',
};

/**
 * When a platform disruption of the pod began, as far as the pod shows it: the `DisruptionTarget`
 * condition's transition, or the deletion request (`deletionTimestamp` less the grace period).
 */
export function disruptionStartedAt(pod: Pod): Date | undefined {
  const times: number[] = [];
  const target = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (target?.lastTransitionTime) times.push(new Date(target.lastTransitionTime).getTime());
  const deletion = pod.metadata?.deletionTimestamp;
  if (deletion) times.push(new Date(deletion).getTime() - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000);
  const valid = times.filter((t) => Number.isFinite(t));
  return valid.length > 0 ? new Date(Math.min(...valid)) : undefined;
}

/** True when the cancellation was learned once the pod's disruption had begun (the killed runner reporting it). */
function cancelledByDisruption(pod: Pod | undefined, cancelledAt: Date | undefined): boolean {
  if (!pod || !cancelledAt) return false;
  const began = disruptionStartedAt(pod);
  return began !== undefined && cancelledAt.getTime() >= began.getTime();
}

/**
 * Classifies a worker pod that stopped (or vanished: `undefined`). A pod the AGC reaped carries the
 * deletion-reason annotation and is never disrupted (`job_cancelled`: the user cancelled the job); a kubelet eviction (`Evicted`), a `DisruptionTarget`
 * condition, a deletion the AGC did not cause, a lost node or a vanished pod is a disruption; any other
 * failure (including `DeadlineExceeded` at `maxWorkerLifetime`) is the job's own.
 */
export function classifyFinishedPod(pod: Pod | undefined, context: ClassifyContext = {}): FinishedPodClass {
  const reaped = pod?.metadata?.annotations?.[ANNOTATION_DELETION_REASON];
  // The AGC stopped the pod because a user cancelled its job: the stamp keeps that across an AGC restart.
  if (reaped === JOB_CANCELLED_REASON) return { kind: 'cancelled' };
  if (reaped) return { kind: 'reaped', reason: reaped };
  if (context.jobCancelled && !cancelledByDisruption(pod, context.jobCancelledAt)) return { kind: 'cancelled' };
  if (!pod) return context.deletedByAgc ? { kind: 'reaped', reason: 'deleted_by_agc' } : { kind: 'disrupted', cause: 'vanished', detail: 'the worker pod disappeared' };
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return { kind: 'succeeded' };
  if (pod.status?.reason === 'Evicted') return { kind: 'disrupted', cause: 'evicted', detail: pod.status.message ?? 'evicted by the kubelet' };
  const target = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (target) {
    const cause = disruptionTargetCauses[target.reason ?? ''] ?? 'deleted';
    return { kind: 'disrupted', cause, detail: `DisruptionTarget ${target.reason ?? ''}: ${target.message ?? ''}`.trim() };
  }
  if (pod.metadata?.deletionTimestamp !== undefined && !context.deletedByAgc) {
    return { kind: 'disrupted', cause: 'deleted', detail: 'the worker pod was deleted by someone other than the AGC' };
  }
  if (phase === 'Unknown') return { kind: 'disrupted', cause: 'node_lost', detail: 'the worker pod\'s node stopped reporting' };
  const reason = pod.status?.reason;
  return { kind: 'failed', detail: `phase ${phase ?? 'unknown'}${reason ? `, reason ${reason}` : ''}` };
}
