/**
 * Informers → keys → work queue → `reconcile(key)`. A thrown error requeues the key with per-item
 * backoff (and counts `actions_gateway_reconcile_errors_total` through `onError`); `{ requeueAfter }`
 * requeues after that delay; anything else forgets the key's failures. Workers start only after every
 * watched informer has synced.
 */
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from './clock.js';
import type { Informer } from './informer.js';
import { silentLogger, type RuntimeLogger } from './logger.js';
import { objectKey, type KubeObject } from './object.js';
import type { RateLimiter } from './rate-limiter.js';
import { controllerRuntimeMetrics, type ControllerRuntimeMetrics } from './runtime-metrics.js';
import { WorkQueue } from './workqueue.js';

/** What a reconcile asks for next. */
export interface ReconcileResult {
  /** Reconcile the key again after this many ms (and forget its failures). */
  readonly requeueAfter?: number;
}

/** Reconciles one key (`namespace/name`); throw to retry with backoff. */
export type Reconciler = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

/** How a controller is built. */
export interface ControllerOptions {
  /** The `controller` label of its metrics, and the queue's `name`. */
  readonly name: string;
  readonly reconcile: Reconciler;
  /** Parallel workers; 1 when absent (keys never run twice at once either way). */
  readonly concurrency?: number;
  readonly clock?: Clock;
  readonly rateLimiter?: RateLimiter;
  /** Where workqueue_* and controller_runtime_* metrics go. */
  readonly registry?: Registry;
  readonly logger?: RuntimeLogger;
  /** Called for every failed reconcile, e.g. to count `actions_gateway_reconcile_errors_total`. */
  readonly onError?: (key: string, err: unknown) => void;
}

/** Maps a watched object to the keys it should enqueue; its own key by default. */
export type KeyMapper<T> = (obj: T) => readonly string[];

/** A controller: a queue, workers, and the informers that feed it. */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly log: RuntimeLogger;
  private readonly clock: Clock;
  private readonly metrics: ControllerRuntimeMetrics | undefined;
  private readonly stopController = new AbortController();
  private workers: Promise<void>[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.queue = new WorkQueue({
      name: options.name,
      clock: this.clock,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
    });
    this.metrics = options.registry ? controllerRuntimeMetrics(options.registry) : undefined;
  }

  /** Enqueues the keys `map` gives for every add, update and delete the informer sees. */
  watch<T extends KubeObject>(informer: Informer<T>, map: KeyMapper<T> = (obj) => [objectKey(obj)]): this {
    const enqueue = (obj: T): void => {
      for (const key of map(obj)) this.queue.add(key);
    };
    informer.addHandlers({ add: enqueue, update: (_old, obj) => enqueue(obj), delete: enqueue });
    this.informers.push(informer as unknown as Informer<KubeObject>);
    return this;
  }

  /** Enqueues a key directly (e.g. from a timer or another controller). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Starts the informers, waits until they have synced, then runs the workers until {@link stop}. */
  async start(): Promise<void> {
    for (const inf of this.informers) inf.start();
    await Promise.all(this.informers.map((inf) => inf.waitForSync()));
    if (this.stopController.signal.aborted) return;
    const n = Math.max(1, this.options.concurrency ?? 1);
    this.workers = Array.from({ length: n }, () => this.worker());
    this.log.info({ controller: this.name, workers: n }, 'controller started');
  }

  /** True when every watched informer has synced. */
  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  /** Stops taking keys, lets in-flight reconciles finish (their signal is aborted), stops the informers. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.queue.shutdownAndDrain();
    await Promise.all(this.workers);
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const started = this.clock.now();
    const labels = { controller: this.name };
    try {
      const result = await this.options.reconcile(key, this.stopController.signal);
      this.queue.forget(key);
      if (result?.requeueAfter !== undefined && result.requeueAfter > 0) {
        this.queue.addAfter(key, result.requeueAfter);
        this.metrics?.reconcileTotal.inc({ ...labels, result: 'requeue_after' });
      } else {
        this.metrics?.reconcileTotal.inc({ ...labels, result: 'success' });
      }
    } catch (err) {
      this.metrics?.reconcileTotal.inc({ ...labels, result: 'error' });
      this.metrics?.reconcileErrors.inc(labels);
      this.log.error({ controller: this.name, key, err, retries: this.queue.numRequeues(key) }, 'reconcile failed');
      try {
        this.options.onError?.(key, err);
      } catch (hookErr) {
        this.log.error({ controller: this.name, err: hookErr }, 'onError hook threw');
      }
      this.queue.addRateLimited(key);
    } finally {
      this.metrics?.reconcileTime.observe(labels, (this.clock.now() - started) / 1000);
      this.queue.done(key);
    }
  }
}
