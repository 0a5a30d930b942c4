/**
 * Core's `KubernetesPort` on `@kubernetes/client-node`: CoreV1Api for objects, the runtime's
 * `EventRecorder` (events.k8s.io/v1) for Events, and a pod informer behind `waitForPod`.
 */
import { Labels, type KubernetesEvent, type KubernetesPort, type LimitRange, type Pod, type ResourceQuota } from '@actions-gateway/core';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1LimitRange, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { EventRecorder } from '../../runtime/events.js';
import { Informer } from '../../runtime/informer.js';
import type { RuntimeLogger } from '../../runtime/logger.js';
import type { KubeObject } from '../../runtime/object.js';
import { kubeRetry, orAbsent, type KubeRetryOptions } from './kube-call.js';
import { PodWaiters, type PodSource } from './pod-waiters.js';
import type { QuotaCache } from './quota-cache.js';

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
  /**
   * The AGC's ResourceQuota and LimitRange informers on its namespace. Present, they answer
   * `listResourceQuotas`/`listLimitRanges` for that namespace (a LIST per admission read is what thousands of
   * idle sessions cannot afford), and every `createPod` is reported to them so a quota the cache shows
   * without the AGC's latest pods is never used (see {@link QuotaCache}).
   */
  readonly quotaCache?: QuotaCache;
  /** Records Events; one on `kubeConfig` reporting as `actions-gateway-controller` when absent. */
  readonly events?: EventRecorder;
  readonly logger?: RuntimeLogger;
  /** Retries of transient API failures (429, 5xx, a lost connection); {@link kubeRetry}'s defaults when absent. */
  readonly retry?: KubeRetryOptions;
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
  const quotaCache = options.quotaCache;
  // Every call retries what an API server fails for a moment: a job must not fail for one 500 or 429.
  const retrying = <T>(call: () => Promise<T>, onRetryConflict?: () => Promise<T | undefined>): Promise<T> => kubeRetry(call, options.retry, onRetryConflict);
  const readPod = (namespace: string, name: string): Promise<Pod | undefined> => retrying(() => orAbsent(() => api.readNamespacedPod({ namespace, name }))) as Promise<Pod | undefined>;
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
      const name = secret.metadata?.name ?? '';
      // A 409 on a retry: the attempt that failed may have landed; the Secret it made is this one.
      await retrying(() => api.createNamespacedSecret({ namespace, body: secret as V1Secret }), () => orAbsent(() => api.readNamespacedSecret({ namespace, name })));
    },
    async deleteSecret(namespace, name) {
      await retrying(() => orAbsent(() => api.deleteNamespacedSecret({ namespace, name })));
    },
    async getSecret(namespace, name) {
      return await retrying(() => orAbsent(() => api.readNamespacedSecret({ namespace, name })));
    },
    async createPod(namespace, pod) {
      const name = pod.metadata?.name ?? '';
      const create = async (): Promise<Pod> =>
        (await retrying(() => api.createNamespacedPod({ namespace, body: pod as V1Pod }), () => orAbsent(() => api.readNamespacedPod({ namespace, name })))) as Pod;
      return quotaCache?.namespace === namespace ? quotaCache.ownCreate(create) : create();
    },
    async deletePod(namespace, name, opts = {}) {
      const grace = opts.gracePeriodSeconds;
      await retrying(() =>
        orAbsent(() =>
          api.deleteNamespacedPod({
            namespace,
            name,
            ...(grace !== undefined && { gracePeriodSeconds: grace }),
            body: { ...(opts.uid !== undefined && { preconditions: { uid: opts.uid } }), ...(grace !== undefined && { gracePeriodSeconds: grace }) },
          }),
        ),
      );
    },
    getPod: readPod,
    async listPods(namespace, labels) {
      const cached = fromCache(namespace, labels);
      if (cached) return cached;
      const list = await retrying(() => api.listNamespacedPod({ namespace, labelSelector: labelSelector(labels) }));
      return list.items as Pod[];
    },
    async annotatePod(namespace, name, annotations) {
      await retrying(() => api.patchNamespacedPod({ namespace, name, body: { metadata: { annotations } } }, mergePatch));
    },
    listResourceQuotas(namespace) {
      const live = async (): Promise<ResourceQuota[]> => (await retrying(() => api.listNamespacedResourceQuota({ namespace }))).items;
      return quotaCache?.namespace === namespace ? quotaCache.quotas(live) : live();
    },
    listLimitRanges(namespace) {
      const live = async (): Promise<LimitRange[]> => (await retrying(() => api.listNamespacedLimitRange({ namespace }))).items.map(toCoreLimitRange);
      return quotaCache?.namespace === namespace ? quotaCache.limitRanges(live) : live();
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
