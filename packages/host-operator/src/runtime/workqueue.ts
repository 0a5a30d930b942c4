/**
 * A keyed, rate-limited work queue with client-go semantics: a key waiting in the queue is stored once
 * (dirty set); a key being processed is never handed out again until `done` (processing set) — an add
 * during processing is remembered and re-queued on `done`; delayed adds (`addAfter`) and
 * rate-limited adds (`addRateLimited`) wait on the injected clock.
 */
import type { Registry } from 'prom-client';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';
import { workQueueMetrics, type WorkQueueMetrics } from './runtime-metrics.js';

/** How a work queue is built. */
export interface WorkQueueOptions {
  /** The `name` label of the queue's metrics. */
  readonly name: string;
  readonly clock?: Clock;
  /** client-go's default controller limiter when absent. */
  readonly rateLimiter?: RateLimiter;
  /** Where `workqueue_*` metrics go; none when absent. */
  readonly registry?: Registry;
}

/** A keyed rate-limited work queue. */
export class WorkQueue {
  readonly name: string;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics | undefined;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly waiting = new Map<string, { at: number; timer: TimerHandle }>();
  private getters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private drainWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.limiter = options.rateLimiter ?? defaultControllerRateLimiter(this.clock);
    this.metrics = options.registry ? workQueueMetrics(options.registry) : undefined;
    this.metrics?.depth.set({ name: this.name }, 0);
  }

  /** Queues `key` unless it is already waiting; a key in processing is re-queued when done. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.adds.inc({ name: this.name });
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Queues `key` after `ms`; an earlier pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Queues `key` after its rate limiter's delay and counts a retry. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.metrics?.retries.inc({ name: this.name });
    this.addAfter(key, this.limiter.when(key));
  }

  /** Forgets `key`'s failure history (call after a successful reconcile). */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Failures of `key` since it was last forgotten. */
  numRequeues(key: string): number {
    return this.limiter.retries(key);
  }

  /** Waits for the next key; resolves undefined once the queue is shut down and empty. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `key` processed; if it was added meanwhile it goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    if (started !== undefined) this.metrics?.workDuration.observe({ name: this.name }, (this.clock.now() - started) / 1000);
    this.startedAt.delete(key);
    if (this.dirty.has(key)) this.push(key);
    if (this.processing.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Keys waiting to be handed out. */
  get length(): number {
    return this.queue.length;
  }

  /** Keys waiting on a delay (addAfter / addRateLimited). */
  get delayed(): number {
    return this.waiting.size;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops accepting keys, drops delayed ones, and wakes blocked `get` calls with undefined. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) this.clock.clearTimeout(timer);
    this.waiting.clear();
    this.queue.length = 0;
    for (const g of this.getters.splice(0)) g(undefined);
  }

  /** Shuts down, then resolves when every key in processing is done. */
  shutdownAndDrain(): Promise<void> {
    this.shutdown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private push(key: string): void {
    this.addedAt.set(key, this.clock.now());
    const getter = this.getters.shift();
    if (getter) {
      getter(this.take(key));
      return;
    }
    this.queue.push(key);
    this.metrics?.depth.set({ name: this.name }, this.queue.length);
  }

  private take(key: string): string {
    this.processing.add(key);
    this.dirty.delete(key);
    const added = this.addedAt.get(key);
    const now = this.clock.now();
    if (added !== undefined) this.metrics?.queueDuration.observe({ name: this.name }, (now - added) / 1000);
    this.addedAt.delete(key);
    this.startedAt.set(key, now);
    this.metrics?.depth.set({ name: this.name }, this.queue.length);
    return key;
  }
}
