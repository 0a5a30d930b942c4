import { API_VERSION, RUNNER_GROUP_KIND } from '../api/group.js';
import { formatDuration } from '../api/duration.js';
import type { KubernetesPort } from '../ports/kubernetes.js';
import type { Logger } from '../ports/logger.js';
import type { ProvisionerMetrics } from '../ports/metrics.js';
import { jobRefOfPod, type WorkerPodJobRef } from '../workerpod/pod-job.js';
import { countReap, stampAndDeletePod } from './delete.js';
import type { ReapPlan } from './plan.js';

/** What carrying out a reap plan needs. */
export interface ReaperDeps {
  readonly kubernetes: KubernetesPort;
  readonly metrics: Pick<ProvisionerMetrics, 'workerPodsReaped'>;
  readonly logger: Logger;
  /** Cancels the job of a pod reaped at its pending deadline (at the broker, or the run at GitHub). */
  readonly cancelJob: (job: WorkerPodJobRef) => Promise<void>;
}

/** The group a plan belongs to. */
export interface ReaperGroup {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string | undefined;
  readonly pendingPodDeadlineMs: number;
}

/** The `WorkerPodStuckPending` Warning message, word for word the seed's (the duration as `10m`). */
export function stuckPendingMessage(podName: string, deadlineMs: number): string {
  return `worker pod ${podName} was Pending for more than ${formatDuration(deadlineMs)} and has been deleted; check the pod template image and scheduling constraints`;
}

/**
 * Carries out a plan: per pod, stamp the reason, cancel a stuck-Pending pod's job, delete (UID
 * precondition), count `worker_pods_reaped_total{reason}`, and record `WorkerPodStuckPending`. A failure on
 * one pod is logged and does not stop the others. Resolves with the number of pods deleted.
 */
export async function executeReaping(plan: ReapPlan, group: ReaperGroup, deps: ReaperDeps): Promise<number> {
  let deleted = 0;
  for (const action of plan.actions) {
    const fields = { namespace: group.namespace, runner_group: group.name, pod: action.name, reason: action.reason };
    try {
      if (action.stuckPending) {
        await deps.cancelJob(jobRefOfPod(action.pod)).catch((err: unknown) => deps.logger.warn({ ...fields, err }, 'could not cancel the job of a stuck pod'));
      }
      if (!(await stampAndDeletePod(deps.kubernetes, group.namespace, action.name, action.reason, action.uid))) continue;
      deleted += 1;
      countReap(deps.metrics, deps.logger, { namespace: group.namespace, runner_group: group.name, reason: action.reason });
      deps.logger.info(fields, 'worker pod reaped');
      if (action.stuckPending) {
        await deps.kubernetes
          .emitEvent({
            regarding: { apiVersion: API_VERSION, kind: RUNNER_GROUP_KIND.kind, namespace: group.namespace, name: group.name, uid: group.uid },
            type: 'Warning',
            reason: 'WorkerPodStuckPending',
            action: 'ReapWorkerPods',
            message: stuckPendingMessage(action.name, group.pendingPodDeadlineMs),
          })
          .catch((err: unknown) => deps.logger.warn({ ...fields, err }, 'could not record the WorkerPodStuckPending event'));
      }
    } catch (err) {
      deps.logger.error({ ...fields, err }, 'reaping a worker pod failed');
    }
  }
  return deleted;
}
