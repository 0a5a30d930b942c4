/**
 * A list-then-watch informer that does not die silently (ecosystem §1.2): every watch carries
 * `timeoutSeconds`; a watch that ends cleanly resumes from the last resourceVersion; a 410 (HTTP status
 * or in-stream ERROR) re-lists; any other failure backs off (exponential, jittered, honouring
 * Retry-After) and re-lists; a watchdog re-lists when no byte arrives within `idleTimeoutMs` (a cut or
 * hung stream); a timer re-lists every `relistPeriodMs`. `stop()` is final.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions } from './backoff.js';
import { sleep, systemClock, type Clock, type TimerHandle } from './clock.js';
import { KubeError, toKubeError } from './kube-error.js';
import { getJson } from './kube-http.js';
import { silentLogger, type RuntimeLogger } from './logger.js';
import { objectKey, type KubeObject } from './object.js';
import { Store, type IndexFunc } from './store.js';
import { startWatch, type WatchEventType } from './watch-stream.js';

/** Handlers an informer calls, synchronously, after its cache changed. */
export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
  /**
   * After every full list (the first, and each re-list after a watch gap). An object created and deleted
   * inside a gap is in no event and in no list: whoever waits on one must look for it again now.
   */
  relisted?(): void;
}

/** How an informer lists and watches. */
export interface InformerOptions<T extends KubeObject> {
  readonly kubeConfig: KubeConfig;
  /** Collection path, e.g. `/apis/apps/v1/deployments` or `/api/v1/namespaces/team-a/secrets`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Name in logs and health checks; the path when absent. */
  readonly name?: string;
  /** Server-side watch timeout; 300 s when absent. */
  readonly watchTimeoutSeconds?: number;
  /**
   * Re-list when the watch is silent this long. When absent: {@link WATCH_IDLE_TIMEOUT_MS}, or
   * `watchTimeoutSeconds` + 30 s if that is shorter.
   */
  readonly idleTimeoutMs?: number;
  /** Re-list at least this often; 10 min when absent. */
  readonly relistPeriodMs?: number;
  /** Backoff after failures; 500 ms → 30 s when absent. */
  readonly backoff?: BackoffOptions;
  readonly indexers?: Readonly<Record<string, IndexFunc<T>>>;
  /** Rewrites each object before it is cached (e.g. drop Secret data so only metadata stays in memory). */
  readonly transform?: (obj: T) => T;
  readonly clock?: Clock;
  readonly logger?: RuntimeLogger;
}

/** Counters for tests and diagnostics. */
export interface InformerStats {
  lists: number;
  watches: number;
  /** Re-lists caused by a 410. */
  expired: number;
  /** Re-lists caused by the watchdog (a silent watch). */
  idleTimeouts: number;
  failures: number;
}

interface ListResult<T> {
  items?: T[];
  metadata?: { resourceVersion?: string };
}

type WatchOutcome = { kind: 'ended' } | { kind: 'error'; err: KubeError } | { kind: 'idle' } | { kind: 'relist' } | { kind: 'stopped' };

/**
 * Default silence bound of a watch. The informer asks for bookmarks, and the API server's watch cache sends
 * one at least every minute on a healthy stream, so 90 s of silence means a hung stream; waiting for the
 * server-side timeout instead (minutes) is how watches "die while reporting healthy".
 */
export const WATCH_IDLE_TIMEOUT_MS = 90_000;

/** A list-watch informer with a local cache. */
export class Informer<T extends KubeObject> {
  readonly name: string;
  readonly store: Store<T>;
  readonly stats: InformerStats = { lists: 0, watches: 0, expired: 0, idleTimeouts: 0, failures: 0 };
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly clock: Clock;
  private readonly log: RuntimeLogger;
  private readonly backoff: Backoff;
  private readonly stopController = new AbortController();
  private resourceVersion = '';
  private synced = false;
  private started = false;
  private lastActivity = 0;
  private lastListAt = 0;
  private syncWaiters: (() => void)[] = [];
  private loop: Promise<void> | undefined;

  constructor(private readonly options: InformerOptions<T>) {
    this.name = options.name ?? options.path;
    this.store = new Store<T>(options.indexers);
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.backoff = new Backoff(options.backoff ?? { initialMs: 500, maxMs: 30_000 });
  }

  /** Registers handlers; objects already cached are replayed as `add`. */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    if (this.synced) for (const obj of this.store.list()) handlers.add?.(obj);
  }

  /** Starts listing and watching; a no-op when already started or stopped. */
  start(): void {
    if (this.started || this.stopController.signal.aborted) return;
    this.started = true;
    this.loop = this.run().catch((err: unknown) => this.log.error({ informer: this.name, err }, 'informer loop crashed'));
  }

  /** Stops for good: aborts the watch and never restarts. Resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.stopController.abort();
    for (const w of this.syncWaiters) w();
    this.syncWaiters = [];
    await this.loop;
  }

  get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  /** True once the first list has been applied to the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves when synced (or when stopped, whichever comes first). */
  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** When the informer last heard from the server (list answer, watch headers, any watch byte); epoch ms. */
  get lastActivityAt(): number {
    return this.lastActivity;
  }

  /** Synced and heard from the server within `maxAgeMs` (default: twice the idle bound). For /readyz. */
  isFresh(maxAgeMs = 2 * this.idleTimeoutMs): boolean {
    return this.synced && !this.stopped && this.clock.now() - this.lastActivity <= maxAgeMs;
  }

  get latestResourceVersion(): string {
    return this.resourceVersion;
  }

  private get watchTimeoutSeconds(): number {
    return this.options.watchTimeoutSeconds ?? 300;
  }

  private get idleTimeoutMs(): number {
    return this.options.idleTimeoutMs ?? Math.min(WATCH_IDLE_TIMEOUT_MS, this.watchTimeoutSeconds * 1000 + 30_000);
  }

  private get relistPeriodMs(): number {
    return this.options.relistPeriodMs ?? 600_000;
  }

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    let needList = true;
    while (!signal.aborted) {
      if (needList || this.clock.now() - this.lastListAt >= this.relistPeriodMs) {
        try {
          await this.list();
          needList = false;
          this.backoff.reset();
        } catch (err) {
          if (signal.aborted) return;
          await this.pause(toKubeError(err), 'list failed');
          continue;
        }
      }
      const openedAt = this.clock.now();
      const outcome = await this.watchOnce();
      switch (outcome.kind) {
        case 'stopped':
          return;
        case 'ended':
          // Resume from the last resourceVersion; a server that ends every watch at once gets backoff, not a storm.
          if (this.clock.now() - openedAt < 1000) await this.pause(new KubeError(0, '', 'watch ended at once'), 'watch ended at once');
          break;
        case 'relist':
          needList = true;
          break;
        case 'idle':
          this.stats.idleTimeouts++;
          this.log.warn({ informer: this.name, idleTimeoutMs: this.idleTimeoutMs }, 'watch silent past its bound; re-listing');
          needList = true;
          break;
        case 'error':
          needList = true;
          if (outcome.err.status === 410) {
            this.stats.expired++;
            this.log.info({ informer: this.name }, 'watch resourceVersion expired (410); re-listing');
          } else {
            await this.pause(outcome.err, 'watch failed');
          }
          break;
      }
    }
  }

  private async pause(err: KubeError, what: string): Promise<void> {
    this.stats.failures++;
    const delay = this.backoff.next(err.retryAfterMs ?? 0);
    this.log.warn({ informer: this.name, err, status: err.status, retryInMs: delay }, what);
    await sleep(this.clock, delay, this.stopController.signal);
  }

  private async list(): Promise<void> {
    const query = { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
    const result = await getJson<ListResult<T>>(this.options.kubeConfig, this.options.path, query, this.stopController.signal);
    if (this.stopped) return;
    this.stats.lists++;
    this.lastActivity = this.clock.now();
    this.lastListAt = this.lastActivity;
    this.replace(result.items ?? []);
    this.resourceVersion = result.metadata?.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters) w();
      this.syncWaiters = [];
    }
    this.emit((h) => h.relisted?.());
  }

  /** Applies a full list: adds, updates (resourceVersion changed) and deletes (gone from the list). */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      this.apply('ADDED', obj);
    }
    for (const key of this.store.keys()) {
      if (!seen.has(key)) {
        const gone = this.store.remove(key);
        if (gone) this.emit((h) => h.delete?.(gone));
      }
    }
  }

  private apply(type: WatchEventType, raw: T): void {
    if (type === 'BOOKMARK') return;
    const obj = this.options.transform ? this.options.transform(raw) : raw;
    const rv = obj.metadata?.resourceVersion;
    if (type === 'DELETED') {
      const gone = this.store.remove(objectKey(obj));
      this.emit((h) => h.delete?.(gone ?? obj));
      return;
    }
    const previous = this.store.upsert(obj);
    if (!previous) this.emit((h) => h.add?.(obj));
    else if (previous.metadata?.resourceVersion !== rv) this.emit((h) => h.update?.(previous, obj));
  }

  private emit(call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        call(h);
      } catch (err) {
        this.log.error({ informer: this.name, err }, 'informer handler threw');
      }
    }
  }

  private watchOnce(): Promise<WatchOutcome> {
    const signal = this.stopController.signal;
    if (signal.aborted) return Promise.resolve({ kind: 'stopped' });
    this.stats.watches++;
    return new Promise<WatchOutcome>((resolve) => {
      let idleTimer: TimerHandle | undefined;
      let settled = false;
      const settle = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        if (idleTimer) this.clock.clearTimeout(idleTimer);
        this.clock.clearTimeout(relistTimer);
        signal.removeEventListener('abort', onStop);
        abort();
        resolve(outcome);
      };
      const armIdle = (): void => {
        if (idleTimer) this.clock.clearTimeout(idleTimer);
        idleTimer = this.clock.setTimeout(() => settle({ kind: 'idle' }), this.idleTimeoutMs);
      };
      const onStop = (): void => settle({ kind: 'stopped' });
      const relistIn = Math.max(0, this.lastListAt + this.relistPeriodMs - this.clock.now());
      const relistTimer = this.clock.setTimeout(() => settle({ kind: 'relist' }), relistIn);
      armIdle();
      const abort = startWatch(
        this.options.kubeConfig,
        this.options.path,
        {
          resourceVersion: this.resourceVersion || undefined,
          allowWatchBookmarks: true,
          timeoutSeconds: this.watchTimeoutSeconds,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        {
          onActivity: () => {
            this.lastActivity = this.clock.now();
            armIdle();
          },
          onEvent: (type, object) => {
            if (settled) return;
            const rv = (object as KubeObject).metadata?.resourceVersion;
            if (rv) this.resourceVersion = rv;
            this.apply(type, object as T);
          },
          onDone: (err) => {
            if (err) settle({ kind: 'error', err });
            else settle({ kind: 'ended' });
          },
        },
      );
      signal.addEventListener('abort', onStop, { once: true });
    });
  }
}
