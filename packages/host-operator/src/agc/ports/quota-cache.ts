/**
 * The namespace's ResourceQuotas and LimitRanges from informers, so admission before every poll costs no
 * LIST (at thousands of idle sessions that was ~130 LISTs a second). Admission must never be optimistic,
 * and a cached quota lags the AGC's own pod creates: the API server charges a pod to `status.used` while
 * admitting it (before the create answers), but the watch event that carries the new figure may arrive
 * after the AGC already counts the pod as running. So the cached quotas are answered only when no own
 * create is in flight and the cache has reached the resourceVersions a live LIST answered after the last
 * one finished (it then shows every own create); until then each read is a live LIST, as without a cache. LimitRanges do not move with the AGC's creates: the cache answers them once synced.
 * A cache that has not synced, or has not heard from the server for a while, is never used.
 */
import type { LimitRange, ResourceQuota } from '@actions-gateway/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { Informer, type InformerOptions } from '../../runtime/informer.js';
import type { RuntimeLogger } from '../../runtime/logger.js';
import { withoutManagedFields, type KubeObject } from '../../runtime/object.js';

/** How {@link QuotaCache} watches its namespace. */
export interface QuotaCacheOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** Watch silence bound and periodic re-list, as the AGC's other informers. */
  readonly informer?: Pick<InformerOptions<KubeObject>, 'idleTimeoutMs' | 'relistPeriodMs' | 'clock'>;
  readonly logger?: RuntimeLogger;
}

/** Where each read was answered from (tests and diagnostics). */
export interface QuotaCacheStats {
  /** Quota reads answered from the cache. */
  cached: number;
  /** Quota reads answered by a live LIST (cache not synced, stale, or not yet caught up with own creates). */
  live: number;
}

type Lister<T> = () => Promise<T[]>;

/** The state a live LIST showed, which the cache must reach before it may answer again. */
interface CatchUp {
  readonly generation: number;
  /** Quota name → the resourceVersion listed, for the quotas the cache has not shown at it yet. */
  readonly pending: Map<string, string>;
}

/** ResourceQuota and LimitRange informers of one namespace, with the own-create bookkeeping described above. */
export class QuotaCache {
  readonly namespace: string;
  readonly stats: QuotaCacheStats = { cached: 0, live: 0 };
  readonly #quotas: Informer<KubeObject>;
  readonly #limitRanges: Informer<KubeObject>;
  /** Bumped when an own pod create starts and when it ends. */
  #generation = 0;
  /** The generation at which a live LIST found the cache caught up; -1: never. */
  #confirmed = -1;
  #creating = 0;
  #catchUp: CatchUp | undefined;

  constructor(options: QuotaCacheOptions) {
    this.namespace = options.namespace;
    const ns = encodeURIComponent(options.namespace);
    const common = { kubeConfig: options.kubeConfig, ...options.informer, ...(options.logger && { logger: options.logger }), transform: withoutManagedFields };
    this.#quotas = new Informer<KubeObject>({ ...common, path: `/api/v1/namespaces/${ns}/resourcequotas`, name: 'resourcequotas' });
    this.#limitRanges = new Informer<KubeObject>({ ...common, path: `/api/v1/namespaces/${ns}/limitranges`, name: 'limitranges' });
    // Watch events come in resourceVersion order: once the cache shows a quota at the listed version, every
    // later state it shows is newer. (A quota deleted since keeps its catch-up open: the next read lists.)
    this.#quotas.addHandlers({
      add: (q) => this.#reached(q.metadata?.name, q.metadata?.resourceVersion),
      update: (_, q) => this.#reached(q.metadata?.name, q.metadata?.resourceVersion),
    });
  }

  start(): void {
    this.#quotas.start();
    this.#limitRanges.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.#quotas.stop(), this.#limitRanges.stop()]);
  }

  /** Both informers hold a first list. */
  hasSynced(): boolean {
    return this.#quotas.hasSynced() && this.#limitRanges.hasSynced();
  }

  /** Resolves once both informers synced (or were stopped). */
  async waitForSync(): Promise<void> {
    await Promise.all([this.#quotas.waitForSync(), this.#limitRanges.waitForSync()]);
  }

  /** The LIST and WATCH counts of both informers (tests). */
  get informerStats(): { readonly quotas: Informer<KubeObject>['stats']; readonly limitRanges: Informer<KubeObject>['stats'] } {
    return { quotas: this.#quotas.stats, limitRanges: this.#limitRanges.stats };
  }

  /**
   * Runs one own pod create. Until it has ended and a later live LIST found the cache caught up, quota
   * reads go to the API server: the pod may be charged to a quota the cache still shows without it.
   */
  async ownCreate<T>(create: () => Promise<T>): Promise<T> {
    this.#generation++;
    this.#creating++;
    try {
      return await create();
    } finally {
      this.#creating--;
      this.#generation++;
    }
  }

  /** The namespace's quotas: from the cache when it is known to show every own create, else `live()`. */
  async quotas(live: Lister<ResourceQuota>): Promise<ResourceQuota[]> {
    if (!this.#quotas.isFresh()) return this.#countLive(live);
    if (this.#creating === 0 && this.#confirmed === this.#generation) {
      this.stats.cached++;
      return this.#quotas.store.list();
    }
    const generation = this.#generation;
    const quiet = this.#creating === 0;
    const listed = await this.#countLive(live);
    // No own create ran while the LIST was answered: it shows every own create so far. Once the cache has
    // reached it, the cache does too.
    if (quiet && generation === this.#generation) this.#awaitCatchUp(generation, listed);
    return listed;
  }

  #awaitCatchUp(generation: number, listed: readonly ResourceQuota[]): void {
    const pending = new Map<string, string>();
    for (const quota of listed) {
      const name = quota.metadata?.name ?? '';
      const version = quota.metadata?.resourceVersion ?? '';
      if (this.#quotas.store.get(`${this.namespace}/${name}`)?.metadata?.resourceVersion !== version) pending.set(name, version);
    }
    this.#catchUp = { generation, pending };
    this.#settle();
  }

  #reached(name: string | undefined, version: string | undefined): void {
    const catchUp = this.#catchUp;
    if (!catchUp || name === undefined || version === undefined || catchUp.pending.get(name) !== version) return;
    catchUp.pending.delete(name);
    this.#settle();
  }

  #settle(): void {
    const catchUp = this.#catchUp;
    if (!catchUp || catchUp.pending.size > 0) return;
    this.#catchUp = undefined;
    if (catchUp.generation === this.#generation && this.#creating === 0) this.#confirmed = catchUp.generation;
  }

  /** The namespace's LimitRanges: from the cache once it is synced and fresh, else `live()`. */
  limitRanges(live: Lister<LimitRange>): Promise<LimitRange[]> {
    if (!this.#limitRanges.isFresh()) return live();
    return Promise.resolve(this.#limitRanges.store.list() as LimitRange[]);
  }

  async #countLive(live: Lister<ResourceQuota>): Promise<ResourceQuota[]> {
    this.stats.live++;
    return await live();
  }
}
