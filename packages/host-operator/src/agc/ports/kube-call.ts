/**
 * Turns whatever client-node throws into core's `KubernetesApiError`, carrying the API's Status message,
 * so core's `isQuotaExceeded` (403 "exceeded quota") and `isConflict` (409) recognise refusals.
 */
import { KubernetesApiError } from '@actions-gateway/core';
import { toKubeError } from '../../runtime/kube-error.js';

/** Normalises a Kubernetes client failure into a {@link KubernetesApiError}. */
export function toKubernetesApiError(err: unknown): KubernetesApiError {
  if (err instanceof KubernetesApiError) return err;
  const e = toKubeError(err);
  return new KubernetesApiError(e.status, e.message, e.reason || undefined);
}

/** Runs a Kubernetes call, rejecting with a {@link KubernetesApiError}. */
export async function kubeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toKubernetesApiError(err);
  }
}

/** Runs a call whose 404 means "absent": resolves `undefined` then. */
export async function orAbsent<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await kubeCall(call);
  } catch (err) {
    if ((err as KubernetesApiError).statusCode === 404) return undefined;
    throw err;
  }
}
