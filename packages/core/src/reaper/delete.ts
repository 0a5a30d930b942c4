import type { KubernetesPort } from '../ports/kubernetes.js';
import type { ReapReason } from '../ports/metrics.js';
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
  reason: ReapReason,
  uid?: string,
): Promise<boolean> {
  const pod = await kube.getPod(namespace, name);
  if (!pod || (uid !== undefined && pod.metadata?.uid !== uid)) return false;
  await kube.annotatePod(namespace, name, { [ANNOTATION_DELETION_REASON]: reason });
  await kube.deletePod(namespace, name, uid === undefined ? undefined : { uid });
  return true;
}
