import type { LimitRange, Pod, ResourceQuota, Secret } from './k8s-objects.js';

/**
 * Where the provisioner reads and writes Kubernetes. The AGC implements it on `@kubernetes/client-node`
 * (with a shared pod informer behind {@link KubernetesPort.waitForPod}); a third party can implement it
 * on anything that speaks the API. Every method is scoped to one namespace.
 *
 * Errors: reject with a {@link KubernetesApiError} (or any error carrying a numeric `statusCode` and the
 * API's Status message as `message`), so quota refusals (403 "exceeded quota") can be told apart.
 * "Not found" on delete is success, not an error.
 */
export interface KubernetesPort {
  createSecret(namespace: string, secret: Secret): Promise<void>;
  /** Deletes a Secret; resolves when it is gone or was never there. */
  deleteSecret(namespace: string, name: string): Promise<void>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;

  /** Creates a pod and returns it as stored. */
  createPod(namespace: string, pod: Pod): Promise<Pod>;
  /**
   * Deletes a pod; NotFound is success. With `uid` set it is a precondition: a newer pod of the same
   * name is left alone.
   */
  deletePod(namespace: string, name: string, options?: { uid?: string; gracePeriodSeconds?: number }): Promise<void>;
  getPod(namespace: string, name: string): Promise<Pod | undefined>;
  /** Pods whose labels include every pair of `labels` (an equality label selector). */
  listPods(namespace: string, labels: Readonly<Record<string, string>>): Promise<Pod[]>;
  /** Merges annotations into a pod (a merge patch). Used to stamp the deletion reason before a delete. */
  annotatePod(namespace: string, name: string, annotations: Readonly<Record<string, string>>): Promise<void>;

  listResourceQuotas(namespace: string): Promise<ResourceQuota[]>;
  listLimitRanges(namespace: string): Promise<LimitRange[]>;

  /**
   * Resolves with the first state of the pod for which `until` is true: the current state first, then
   * every change. A pod that is (or becomes) absent is passed as `undefined`. Rejects only when `signal`
   * aborts (with `signal.reason`) or the watch itself fails.
   */
  waitForPod(
    namespace: string,
    name: string,
    until: (pod: Pod | undefined) => boolean,
    signal: AbortSignal,
  ): Promise<Pod | undefined>;

  /** Records an Event on an object, e.g. a Warning on the RunnerGroup. Best effort. */
  emitEvent(event: KubernetesEvent): Promise<void>;
}

/** An Event to record. `regarding` names the object it is about. */
export interface KubernetesEvent {
  readonly regarding: { readonly apiVersion: string; readonly kind: string; readonly namespace: string; readonly name: string; readonly uid?: string };
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  /** The controller action, e.g. `ReapWorkerPods`. */
  readonly action: string;
  readonly message: string;
}

/** The error shape of a refused Kubernetes API call. */
export class KubernetesApiError extends Error {
  override readonly name = 'KubernetesApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

function statusOf(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

/** True for the API server's ResourceQuota refusal: 403 whose message says "exceeded quota". */
export function isQuotaExceeded(err: unknown): boolean {
  return statusOf(err) === 403 && err instanceof Error && /exceeded quota/i.test(err.message);
}

/** True for a 409 AlreadyExists/Conflict. */
export function isConflict(err: unknown): boolean {
  return statusOf(err) === 409;
}
