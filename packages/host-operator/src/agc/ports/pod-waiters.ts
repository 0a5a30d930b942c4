/**
 * `waitForPod` on a shared pod cache: one set of informer handlers fans each change out to the waiters of
 * that pod, so a thousand waits cost one watch. Every change is delivered (the deletionTimestamp update
 * before the DELETED), never coalesced.
 */
import type { Pod } from '@actions-gateway/core';
import type { InformerHandlers } from '../../runtime/informer.js';
import { objectKey, type KubeObject } from '../../runtime/object.js';

/** What a pod wait needs from an informer: the runtime's `Informer` satisfies it. */
export interface PodSource {
  addHandlers(handlers: InformerHandlers<KubeObject>): void;
  waitForSync(): Promise<void>;
  readonly store: { get(key: string): KubeObject | undefined };
}

type Listener = (pod: Pod | undefined) => void;

/** The waiters on one pod source. */
export class PodWaiters {
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(private readonly source: PodSource) {
    source.addHandlers({
      add: (obj) => this.#notify(objectKey(obj), obj),
      update: (_old, obj) => this.#notify(objectKey(obj), obj),
      delete: (obj) => this.#notify(objectKey(obj), undefined),
    });
  }

  /** Resolves with the first state (current first) for which `until` holds; rejects with `signal.reason`. */
  async wait(namespace: string, name: string, until: (pod: Pod | undefined) => boolean, signal: AbortSignal): Promise<Pod | undefined> {
    signal.throwIfAborted();
    await this.source.waitForSync();
    signal.throwIfAborted();
    const key = objectKey({ metadata: { namespace, name } });
    return new Promise<Pod | undefined>((resolve, reject) => {
      const listeners = this.#listeners.get(key) ?? new Set<Listener>();
      const finish = (): void => {
        listeners.delete(listener);
        if (listeners.size === 0 && this.#listeners.get(key) === listeners) this.#listeners.delete(key);
        signal.removeEventListener('abort', onAbort);
      };
      const listener: Listener = (pod) => {
        let done: boolean;
        try {
          done = until(pod);
        } catch (err) {
          finish();
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (!done) return;
        finish();
        resolve(pod);
      };
      const onAbort = (): void => {
        finish();
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      // Register before looking at the cache: both happen in this tick, so no change slips between them.
      listeners.add(listener);
      this.#listeners.set(key, listeners);
      signal.addEventListener('abort', onAbort, { once: true });
      listener(this.source.store.get(key));
    });
  }

  #notify(key: string, pod: Pod | undefined): void {
    const listeners = this.#listeners.get(key);
    if (!listeners) return;
    for (const listener of [...listeners]) listener(pod);
  }
}
