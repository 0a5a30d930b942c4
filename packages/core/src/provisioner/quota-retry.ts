import type { Clock } from '../ports/clock.js';
import type { Pod } from '../ports/k8s-objects.js';
import { isConflict, isQuotaExceeded, type KubernetesPort } from '../ports/kubernetes.js';
import type { Logger } from '../ports/logger.js';

/** How a pod create ended. */
export type CreatePodResult =
  | { readonly kind: 'created'; readonly pod: Pod; readonly attempts: number }
  | { readonly kind: 'already_exists'; readonly error: Error }
  | { readonly kind: 'quota_exhausted'; readonly error: Error; readonly attempts: number }
  | { readonly kind: 'rejected'; readonly error: Error }
  | { readonly kind: 'aborted' };

/** Retry settings: `maxRetries` extra attempts after a quota refusal, `delayMs` apart (on the clock). */
export interface QuotaRetryOptions {
  readonly maxRetries: number;
  readonly delayMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Creates a pod, retrying only the API server's ResourceQuota refusal (403 "exceeded quota"); any other
 * refusal (an invalid template, a webhook) fails at once.
 */
export async function createPodWithQuotaRetry(kube: KubernetesPort, namespace: string, pod: Pod, o: QuotaRetryOptions): Promise<CreatePodResult> {
  for (let attempt = 1; ; attempt++) {
    if (o.signal.aborted) return { kind: 'aborted' };
    try {
      return { kind: 'created', pod: await kube.createPod(namespace, pod), attempts: attempt };
    } catch (err) {
      if (isConflict(err)) return { kind: 'already_exists', error: asError(err) };
      if (!isQuotaExceeded(err)) return { kind: 'rejected', error: asError(err) };
      if (attempt > o.maxRetries) return { kind: 'quota_exhausted', error: asError(err), attempts: attempt };
      o.logger.warn({ namespace, pod: pod.metadata?.name, attempt, err }, 'worker pod refused by ResourceQuota; retrying');
      if (!(await o.clock.sleep(o.delayMs, o.signal))) return { kind: 'aborted' };
    }
  }
}
