/**
 * Finalizer helpers. Each write is a merge patch of the whole `metadata.finalizers` list carrying the
 * `resourceVersion` it was computed from, so a concurrent writer makes it fail with 409 instead of
 * losing someone else's finalizer; on 409 we re-read and try again.
 */
import { isConflict } from './kube-error.js';
import type { KubeObject } from './object.js';

/** Reads and patches one object; {@link CustomResourceClient} fits. */
export interface ObjectAccess<T extends KubeObject> {
  get(namespace: string, name: string): Promise<T>;
  patch(namespace: string, name: string, body: object): Promise<T>;
}

const maxAttempts = 5;

/** True when `obj` carries `finalizer`. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

async function editFinalizers<T extends KubeObject>(
  access: ObjectAccess<T>,
  obj: T,
  edit: (current: string[]) => string[] | undefined,
): Promise<T> {
  let current = obj;
  for (let attempt = 1; ; attempt++) {
    const namespace = current.metadata?.namespace ?? '';
    const name = current.metadata?.name ?? '';
    const next = edit(current.metadata?.finalizers ?? []);
    if (!next) return current;
    try {
      return await access.patch(namespace, name, {
        metadata: { resourceVersion: current.metadata?.resourceVersion, finalizers: next },
      });
    } catch (err) {
      if (!isConflict(err) || attempt >= maxAttempts) throw err;
      current = await access.get(namespace, name);
    }
  }
}

/** Adds `finalizer` unless present (or the object is being deleted); returns the latest object. */
export function ensureFinalizer<T extends KubeObject>(access: ObjectAccess<T>, obj: T, finalizer: string): Promise<T> {
  return editFinalizers(access, obj, (list) =>
    list.includes(finalizer) || obj.metadata?.deletionTimestamp ? undefined : [...list, finalizer],
  );
}

/** Removes `finalizer` when present; returns the latest object. */
export function removeFinalizer<T extends KubeObject>(access: ObjectAccess<T>, obj: T, finalizer: string): Promise<T> {
  return editFinalizers(access, obj, (list) => (list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined));
}
