/**
 * Typed-enough access to one custom resource kind through client-node's `CustomObjectsApi`: get, list,
 * merge patches of the object and of its `/status` subresource, delete. Errors are {@link KubeError}s.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { toKubeError } from './kube-error.js';
import type { KubeObject } from './object.js';

/** Group, version and plural of a custom resource. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function call<R>(fn: () => Promise<unknown>): Promise<R> {
  try {
    return (await fn()) as R;
  } catch (err) {
    throw toKubeError(err);
  }
}

/** A client for one namespaced custom resource kind. */
export class CustomResourceClient<T extends KubeObject> {
  private readonly api: CustomObjectsApi;
  constructor(
    kubeConfig: KubeConfig,
    readonly type: ResourceType,
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  get(namespace: string, name: string): Promise<T> {
    return call(() => this.api.getNamespacedCustomObject({ ...this.type, namespace, name }));
  }

  async list(namespace: string | undefined, labelSelector?: string): Promise<T[]> {
    const res = await call<{ items?: T[] }>(() =>
      namespace
        ? this.api.listNamespacedCustomObject({ ...this.type, namespace, ...(labelSelector ? { labelSelector } : {}) })
        : this.api.listClusterCustomObject({ ...this.type, ...(labelSelector ? { labelSelector } : {}) }),
    );
    return res.items ?? [];
  }

  /** RFC 7386 merge patch of the object (spec/metadata). Include `metadata.resourceVersion` for a precondition. */
  patch(namespace: string, name: string, body: object): Promise<T> {
    return call(() => this.api.patchNamespacedCustomObject({ ...this.type, namespace, name, body }, mergePatch));
  }

  /** RFC 7386 merge patch of the `/status` subresource. */
  patchStatus(namespace: string, name: string, body: object): Promise<T> {
    return call(() => this.api.patchNamespacedCustomObjectStatus({ ...this.type, namespace, name, body }, mergePatch));
  }

  delete(namespace: string, name: string): Promise<unknown> {
    return call(() => this.api.deleteNamespacedCustomObject({ ...this.type, namespace, name }));
  }
}
