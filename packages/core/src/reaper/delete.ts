import type { KubernetesPort } from '../ports/kubernetes.js';
import type { Logger } from '../ports/logger.js';
import type { DeletionReason, ProvisionerMetrics, ReapReason } from '../ports/metrics.js';
import { ANNOTATION_DELETION_REASON } from '../workerpod/labels.js';

/**
 * Deletes a worker pod the AGC decided to remove, stamping the reason on it first so the disruption
 * classifier sees a reaped pod (never re-run) rather than a deletion someone else caused. With `uid`
 * the delete is a precondition: a newer pod of the same name is left alone.
 * Resolves false when the pod was already gone.
 */
export async function stampAndDeletePod(
  kube: KubernetesPort,
  namespace: string,
  name: string,
  reason: DeletionReason,
  uid?: string,
): Promise<boolean> {
  const pod = await kube.getPod(namespace, name);
  if (!pod || (uid !== undefined && pod.metadata?.uid !== uid)) return false;
  await kube.annotatePod(namespace, name, { [ANNOTATION_DELETION_REASON]: reason });
  await kube.deletePod(namespace, name, uid === undefined ? undefined : { uid });
  return true;
}

/**
 * Counts a reap. A metrics sink that refuses the labels (e.g. a catalogue without the reason) is logged,
 * never allowed to break the cleanup around it.
 */
export function countReap(
  metrics: Pick<ProvisionerMetrics, 'workerPodsReaped'>,
  logger: Logger,
  labels: { namespace: string; runner_group: string; reason: ReapReason },
): void {
  try {
    metrics.workerPodsReaped.inc(labels);
  } catch (err) {
    logger.error({ ...labels, err }, 'worker_pods_reaped_total refused the sample');
  }
}
