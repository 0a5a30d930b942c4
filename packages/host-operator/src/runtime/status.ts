/**
 * Status writes with conflict retry: read the live object, compute the status from it, merge-patch
 * `/status` with that object's `resourceVersion`; on 409 read again and recompute.
 */
import { isConflict } from './kube-error.js';
import type { KubeObject } from './object.js';

/** Reads and patches the status of one object; {@link CustomResourceClient} fits. */
export interface StatusAccess<T extends KubeObject> {
  get(namespace: string, name: string): Promise<T>;
  patchStatus(namespace: string, name: string, body: object): Promise<T>;
}

/**
 * Writes the status `compute` returns for the live object; `undefined` means "no change". Retries
 * conflicts up to `attempts` times (5), then throws the last error.
 */
export async function updateStatus<T extends KubeObject, S extends object>(
  access: StatusAccess<T>,
  namespace: string,
  name: string,
  compute: (live: T) => S | undefined,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const live = await access.get(namespace, name);
    const status = compute(live);
    if (!status) return live;
    try {
      return await access.patchStatus(namespace, name, { metadata: { resourceVersion: live.metadata?.resourceVersion }, status });
    } catch (err) {
      if (!isConflict(err) || attempt >= attempts) throw err;
    }
  }
}

/** A `metav1.Condition`. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/**
 * Merges `next` into `conditions` by type, keeping `lastTransitionTime` when the status did not change
 * (Kubernetes' meta.SetStatusCondition).
 */
export function setConditions(conditions: readonly Condition[] | undefined, next: readonly Omit<Condition, 'lastTransitionTime'>[], now: Date): Condition[] {
  const out = [...(conditions ?? [])];
  for (const c of next) {
    const i = out.findIndex((o) => o.type === c.type);
    const prev = i >= 0 ? out[i] : undefined;
    const merged: Condition = {
      ...c,
      lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    if (i >= 0) out[i] = merged;
    else out.push(merged);
  }
  return out;
}
