import type { Pod } from '../ports/k8s-objects.js';
import type { ProvisionerGroup } from '../workerpod/group.js';
import { parseRepository } from '../provisioner/payload.js';
import { jobRefOfPod } from '../workerpod/pod-job.js';
import { classifyFinishedPod, type ClassifyContext, type FinishedPodClass } from './classify.js';
import type { RerunRequest } from './rerun.js';

/** What to do about a finished worker pod no `provision()` call is waiting on. */
export type OrphanDecision =
  | { readonly rerun: true; readonly outcome: FinishedPodClass; readonly request: RerunRequest }
  | { readonly rerun: false; readonly outcome: FinishedPodClass; readonly why: string };

/**
 * For a worker pod found finished after an AGC restart (its provision call is gone): classifies it and,
 * when it was disrupted, builds the re-run request from the run id and repository recorded on the pod.
 */
export function decideOrphanedPod(pod: Pod, group: Pick<ProvisionerGroup, 'namespace' | 'name' | 'maxEvictionRetries' | 'evictionRetryDelayMs'>, context: ClassifyContext = {}): OrphanDecision {
  const outcome = classifyFinishedPod(pod, context);
  if (outcome.kind !== 'disrupted') return { rerun: false, outcome, why: `the pod ${outcome.kind === 'reaped' ? 'was reaped' : `ended ${outcome.kind}`}` };
  const ref = jobRefOfPod(pod);
  const repository = parseRepository(ref.repository ?? '');
  if (!ref.runId || !/^\d+$/.test(ref.runId)) return { rerun: false, outcome, why: 'the pod records no run id' };
  if (!repository) return { rerun: false, outcome, why: 'the pod records no valid repository' };
  return {
    rerun: true,
    outcome,
    request: {
      run: { ...repository, runId: ref.runId },
      group: { namespace: group.namespace, name: group.name },
      maxEvictionRetries: group.maxEvictionRetries,
      evictionRetryDelayMs: group.evictionRetryDelayMs,
      ...(ref.planId ? { planId: ref.planId } : {}),
    },
  };
}
