/**
 * Core's `KubernetesPort` on `@kubernetes/client-node`: CoreV1Api for objects, the runtime's
 * `EventRecorder` (events.k8s.io/v1) for Events, and a pod informer behind `waitForPod`.
 */
import { Labels, type KubernetesEvent, type KubernetesPort, type LimitRange, type Pod } from '@actions-gateway/core';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1LimitRange, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { EventRecorder } from '../../runtime/events.js';
import { Informer } from '../../runtime/informer.js';
import type { RuntimeLogger } from '../../runtime/logger.js';
import type { KubeObject } from '../../runtime/object.js';
import { kubeCall, orAbsent } from './kube-call.js';
import { PodWaiters, type PodSource } from './pod-waiters.js';

/** The label every worker pod carries; the AGC's shared pod informer selects on it. */
export const WORKER_POD_SELECTOR = 'app.kubernetes.io/managed-by=actions-gateway-controller';

/** How {@link createKubernetesPort} is wired. */
export interface KubernetesPortOptions {
  readonly kubeConfig: KubeConfig;
  /** The tenant namespace; `waitForPod` serves this namespace only. */
  readonly namespace: string;
  /**
   * The AGC's shared informer on the namespace's worker pods (selector {@link WORKER_POD_SELECTOR}). Absent:
   * the port starts its own informer on every pod of the namespace at the first `waitForPod` (stopped by
   * `close()`). Present, synced and fresh, it also answers `listPods` for selectors that only match worker
   * pods: admission reads the group's pods before every poll and claim, and a LIST of a namespace full of
   * pods per poll per session is what an API server can least afford. Callers that must not over-admit
   * count their own claims the cache does not show yet (the classic tier's `GroupAdmission` does).
   */
  readonly podInformer?: PodSource;
  /** Records Events; one on `kubeConfig` reporting as `actions-gateway-controller` when absent. */
  readonly events?: EventRecorder;
  readonly logger?: RuntimeLogger;
}

/** A {@link KubernetesPort} that may own a watch: `close()` stops it. */
export interface ClosableKubernetesPort extends KubernetesPort {
  close(): Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** client-node names a LimitRange item's `default` `_default` (a reserved word); core reads the wire name. */
function toCoreLimitRange(range: V1LimitRange): LimitRange {
  const limits = (range.spec?.limits ?? []).map(({ _default, ...item }) => ({ ...item, ...(_default && { default: _default }) }));
  return { ...(range.metadata && { metadata: range.metadata }), spec: { limits } };
}

/** Builds core's `KubernetesPort` for one namespace. Every refusal rejects with a `KubernetesApiError`. */
export function createKubernetesPort(options: KubernetesPortOptions): ClosableKubernetesPort {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const events =
    options.events ??
    new EventRecorder({
      kubeConfig: options.kubeConfig,
      controller: 'actions-gateway-controller',
      instance: hostname(),
      ...(options.logger && { logger: options.logger }),
    });
  let ownInformer: Informer<KubeObject> | undefined;
  const readPod = (namespace: string, name: string): Promise<Pod | undefined> => orAbsent(() => api.readNamespacedPod({ namespace, name })) as Promise<Pod | undefined>;
  let waiters: PodWaiters | undefined = options.podInformer ? new PodWaiters(options.podInformer, readPod) : undefined;
  const podWaiters = (): PodWaiters => {
    if (waiters) return waiters;
    ownInformer = new Informer<KubeObject>({
      kubeConfig: options.kubeConfig,
      path: `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods`,
      name: `agc-pods-${options.namespace}`,
      ...(options.logger && { logger: options.logger }),
    });
    waiters = new PodWaiters(ownInformer, readPod);
    ownInformer.start();
    return waiters;
  };

  /** The worker pods of the shared cache matching `labels`, or undefined when the cache cannot answer. */
  const fromCache = (namespace: string, labels: Readonly<Record<string, string>>): Pod[] | undefined => {
    const source = options.podInformer;
    if (!source?.store.list || namespace !== options.namespace || !source.hasSynced?.() || source.isFresh?.() === false) return undefined;
    // Only a selector for worker pods (core's `workerPodSelector`): every one carries the managed-by label the cache selects on.
    if (labels[Labels.component] !== Labels.componentWorkload) return undefined;
    const wanted = Object.entries(labels);
    return source.store.list().filter((pod) => pod.metadata?.namespace === namespace && wanted.every(([k, v]) => pod.metadata?.labels?.[k] === v));
  };

  return {
    async createSecret(namespace, secret) {
      await kubeCall(() => api.createNamespacedSecret({ namespace, body: secret as V1Secret }));
    },
    async deleteSecret(namespace, name) {
      await orAbsent(() => api.deleteNamespacedSecret({ namespace, name }));
    },
    async getSecret(namespace, name) {
      return (await orAbsent(() => api.readNamespacedSecret({ namespace, name })));
    },
    async createPod(namespace, pod) {
      return (await kubeCall(() => api.createNamespacedPod({ namespace, body: pod as V1Pod }))) as Pod;
    },
    async deletePod(namespace, name, opts = {}) {
      const grace = opts.gracePeriodSeconds;
      await orAbsent(() =>
        api.deleteNamespacedPod({
          namespace,
          name,
          ...(grace !== undefined && { gracePeriodSeconds: grace }),
          body: { ...(opts.uid !== undefined && { preconditions: { uid: opts.uid } }), ...(grace !== undefined && { gracePeriodSeconds: grace }) },
        }),
      );
    },
    getPod: readPod,
    async listPods(namespace, labels) {
      const cached = fromCache(namespace, labels);
      if (cached) return cached;
      const list = await kubeCall(() => api.listNamespacedPod({ namespace, labelSelector: labelSelector(labels) }));
      return list.items as Pod[];
    },
    async annotatePod(namespace, name, annotations) {
      await kubeCall(() => api.patchNamespacedPod({ namespace, name, body: { metadata: { annotations } } }, mergePatch));
    },
    async listResourceQuotas(namespace) {
      return (await kubeCall(() => api.listNamespacedResourceQuota({ namespace }))).items;
    },
    async listLimitRanges(namespace) {
      return (await kubeCall(() => api.listNamespacedLimitRange({ namespace }))).items.map(toCoreLimitRange);
    },
    waitForPod(namespace, name, until, signal) {
      if (namespace !== options.namespace) {
        return Promise.reject(new Error(`waitForPod: namespace ${JSON.stringify(namespace)} is not this port's namespace ${JSON.stringify(options.namespace)}`));
      }
      return podWaiters().wait(namespace, name, until, signal);
    },
    emitEvent(event: KubernetesEvent) {
      const { regarding } = event;
      return events.record(
        {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          metadata: { name: regarding.name, namespace: regarding.namespace, ...(regarding.uid !== undefined && { uid: regarding.uid }) },
        },
        event.type,
        event.reason,
        event.action,
        event.message,
      );
    },
    async close() {
      await ownInformer?.stop();
    },
  };
}
