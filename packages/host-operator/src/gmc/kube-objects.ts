/**
 * Generic object writes for the GMC through client-node's `KubernetesObjectApi`: server-side apply with
 * one field manager, create-only fields, deletes where NotFound counts as done.
 */
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { isNotFound, toKubeError } from '../runtime/kube-error.js';

/** The GMC's field manager for everything it applies (the PSA labels use core's own). */
export const GMC_FIELD_MANAGER = 'actions-gateway-gmc';

/** Writes objects of any kind. */
export class ObjectWriter {
  readonly api: KubernetesObjectApi;
  constructor(kubeConfig: KubeConfig) {
    this.api = KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  /** Server-side apply (force: the GMC owns its objects' desired fields). */
  async apply<T extends KubernetesObject>(object: T, fieldManager = GMC_FIELD_MANAGER, force = true): Promise<T> {
    try {
      return await this.api.patch(object, undefined, undefined, fieldManager, force, PatchStrategy.ServerSideApply);
    } catch (err) {
      throw toKubeError(err);
    }
  }

  /**
   * Creates `createObject` when the object does not exist, then applies `object`. Fields only in
   * `createObject` (the proxy's `replicas`) are owned by the create, so later applies never touch them
   * and the HPA keeps the count.
   */
  async createThenApply<T extends KubernetesObject>(object: T, createObject: T): Promise<T> {
    try {
      await this.api.read({ apiVersion: object.apiVersion!, kind: object.kind!, metadata: { name: object.metadata!.name!, namespace: object.metadata!.namespace! } });
    } catch (err) {
      if (!isNotFound(err)) throw toKubeError(err);
      try {
        await this.api.create(createObject, undefined, undefined, GMC_FIELD_MANAGER);
      } catch (createErr) {
        if (toKubeError(createErr).status !== 409) throw toKubeError(createErr);
      }
    }
    return this.apply(object);
  }

  /** Deletes; true when it was there (NotFound is success and returns false). */
  async delete(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): Promise<boolean> {
    try {
      await this.api.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw toKubeError(err);
    }
  }

  /** Reads; undefined when NotFound. */
  async read<T extends KubernetesObject>(ref: { apiVersion: string; kind: string; namespace: string; name: string }): Promise<T | undefined> {
    try {
      return await this.api.read<T>({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toKubeError(err);
    }
  }

  /** Lists names of objects matching a label selector. */
  async listNames(apiVersion: string, kind: string, namespace: string, selector: Record<string, string>): Promise<string[]> {
    const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
    try {
      const list = await this.api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
      return list.items.flatMap((o) => (o.metadata?.name ? [o.metadata.name] : []));
    } catch (err) {
      throw toKubeError(err);
    }
  }
}
