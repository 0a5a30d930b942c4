/** The minimal shape of a Kubernetes object the runtime works with, and its cache key. */

/** Object metadata fields the runtime reads. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string | Date;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones. */
export function objectKey(obj: KubeObject): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

/** Splits a key made by {@link objectKey}. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * An informer `transform` that drops `metadata.managedFields`: server-side apply's bookkeeping, never read
 * from a cache, and often the biggest part of a small object (one entry per field manager).
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata || !('managedFields' in obj.metadata)) return obj;
  // A rest copy, not `delete`: deleting a property that is not the last one added turns the object into a
  // dictionary (~0.5 KB more per cached object; thousands of RunnerGroups are cached and held by listeners).
  const { managedFields: _dropped, ...metadata } = obj.metadata as ObjectMeta & { managedFields?: unknown };
  return { ...obj, metadata };
}


/**
 * An informer `transform` for a cache that only maps events to keys: keeps `apiVersion`, `kind` and the
 * metadata (without managedFields), drops spec, status and everything else. Use it only where nothing reads
 * the cached object's body (the reconcile reads the live object).
 */
export function metadataOnly(obj: KubeObject): KubeObject {
  const { metadata } = withoutManagedFields(obj);
  return { ...(obj.apiVersion !== undefined && { apiVersion: obj.apiVersion }), ...(obj.kind !== undefined && { kind: obj.kind }), ...(metadata && { metadata }) };
}
