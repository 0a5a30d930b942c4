import type { KubeTime, Pod } from '../ports/k8s-objects.js';
import type { ReapReason } from '../ports/metrics.js';

/** One pod the reaper deletes now. */
export interface ReapAction {
  readonly pod: Pod;
  readonly name: string;
  readonly uid?: string | undefined;
  readonly reason: Extract<ReapReason, 'completed_ttl' | 'pending_deadline'>;
  /** The pod never started: its job is cancelled and a `WorkerPodStuckPending` Warning recorded. */
  readonly stuckPending: boolean;
}

/** What to reap now, and when to look again. */
export interface ReapPlan {
  readonly actions: readonly ReapAction[];
  /** Milliseconds until the next pod becomes due; undefined when none is waiting. */
  readonly nextDueInMs?: number;
}

/** The group settings the reaper applies. */
export interface ReaperSettings {
  readonly completedPodTtlMs: number;
  readonly pendingPodDeadlineMs: number;
}

function ms(t: KubeTime | undefined): number | undefined {
  if (t === undefined) return undefined;
  const v = (t instanceof Date ? t : new Date(t)).getTime();
  return Number.isNaN(v) ? undefined : v;
}

/** When a terminal pod finished: its last container's `finishedAt`, else its creation. */
function finishedAt(pod: Pod): number | undefined {
  const ends = (pod.status?.containerStatuses ?? []).map((s) => ms(s.state?.terminated?.finishedAt)).filter((t): t is number => t !== undefined);
  return ends.length > 0 ? Math.max(...ends) : ms(pod.metadata?.creationTimestamp);
}

/**
 * Decides which of a group's worker pods to delete at `now`: terminal pods `completedPodTTL` after they
 * finished (`completed_ttl`), Pending pods `pendingPodDeadline` after creation (`pending_deadline`).
 * Running pods are bounded by `activeDeadlineSeconds` instead; pods already being deleted are skipped.
 */
export function planReaping(pods: readonly Pod[], settings: ReaperSettings, now: Date): ReapPlan {
  const actions: ReapAction[] = [];
  let next: number | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const phase = pod.status?.phase ?? 'Pending';
    let due: number | undefined;
    let reason: ReapAction['reason'];
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Unknown') {
      const end = finishedAt(pod);
      due = end === undefined ? undefined : end + settings.completedPodTtlMs;
      reason = 'completed_ttl';
    } else if (phase === 'Pending') {
      const created = ms(pod.metadata?.creationTimestamp);
      due = created === undefined ? undefined : created + settings.pendingPodDeadlineMs;
      reason = 'pending_deadline';
    } else {
      continue;
    }
    if (due === undefined) continue;
    const wait = due - now.getTime();
    if (wait <= 0) {
      actions.push({ pod, name: pod.metadata?.name ?? '', uid: pod.metadata?.uid, reason, stuckPending: reason === 'pending_deadline' });
    } else {
      next = next === undefined ? wait : Math.min(next, wait);
    }
  }
  return next === undefined ? { actions } : { actions, nextDueInMs: next };
}
