import type { Pod } from '../ports/k8s-objects.js';
import { ANNOTATION_PLAN_ID, ANNOTATION_REPOSITORY, ANNOTATION_RUN_ID } from './labels.js';

/** The job a worker pod runs, as recorded on the pod (survives an AGC restart). */
export interface WorkerPodJobRef {
  readonly podName: string;
  readonly podUid?: string | undefined;
  readonly planId?: string | undefined;
  readonly runId?: string | undefined;
  /** `owner/repo`. */
  readonly repository?: string | undefined;
}

/** Reads the job identity the builder recorded on a worker pod. */
export function jobRefOfPod(pod: Pod): WorkerPodJobRef {
  const a = pod.metadata?.annotations ?? {};
  return {
    podName: pod.metadata?.name ?? '',
    podUid: pod.metadata?.uid,
    planId: a[ANNOTATION_PLAN_ID],
    runId: a[ANNOTATION_RUN_ID],
    repository: a[ANNOTATION_REPOSITORY],
  };
}
