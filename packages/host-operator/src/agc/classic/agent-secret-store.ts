/**
 * The agent Secrets of one namespace on client-node: list by label, create, replace, delete. Direct
 * API calls every time; Secrets are never cached in an informer (a security property of the AGC).
 */
import type { Secret } from '@actions-gateway/core';
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { kubeRetry, orAbsent } from '../ports/kube-call.js';

/** What the agent pool needs from Kubernetes. Every refusal rejects with a `KubernetesApiError`. */
export interface AgentSecretStore {
  list(labels: Readonly<Record<string, string>>): Promise<Secret[]>;
  /** Reads one Secret; undefined when it is absent. */
  get(name: string): Promise<Secret | undefined>;
  create(secret: Secret): Promise<void>;
  /** Rewrites the Secret in place, or creates it when it is gone. */
  replace(secret: Secret): Promise<void>;
  /** Deletes; absent counts as done. */
  delete(name: string): Promise<void>;
}

const selector = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** An {@link AgentSecretStore} for `namespace` on `kubeConfig`. */
export function createAgentSecretStore(kubeConfig: KubeConfig, namespace: string): AgentSecretStore {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async list(labels) {
      return (await kubeRetry(() => api.listNamespacedSecret({ namespace, labelSelector: selector(labels) }))).items;
    },
    async get(name) {
      return orAbsent(() => api.readNamespacedSecret({ namespace, name }));
    },
    async create(secret) {
      await kubeRetry(() => api.createNamespacedSecret({ namespace, body: secret as V1Secret }));
    },
    async replace(secret) {
      const name = secret.metadata?.name ?? '';
      const replaced = await kubeRetry(() => orAbsent(() => api.replaceNamespacedSecret({ namespace, name, body: secret as V1Secret })));
      if (replaced === undefined) await kubeRetry(() => api.createNamespacedSecret({ namespace, body: secret as V1Secret }));
    },
    async delete(name) {
      await kubeRetry(() => orAbsent(() => api.deleteNamespacedSecret({ namespace, name })));
    },
  };
}
