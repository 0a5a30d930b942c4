/**
 * `waitForPod` on a shared pod cache: one set of informer handlers fans each change out to the waiters of
 * that pod, so a thousand waits cost one watch. Every change is delivered (the deletionTimestamp update
 * before the DELETED), never coalesced.
 *
 * A cache lags behind writes: a pod created a moment ago may not be in it yet. "Absent" is therefore never
 * taken from the cache alone; it is confirmed by a live read, and a late DELETED of an earlier pod of the
 * same name (another uid) is not mistaken for the pod we know.
 */
import type { Pod } from '@actions-gateway/core';
import type { InformerHandlers } from '../../runtime/informer.js';
import { objectKey, type KubeObject } from '../../runtime/object.js';

/**
 * What a pod wait needs from an informer: the runtime's `Informer` satisfies it. With `list`, `hasSynced`
 * and `isFresh` the source can also answer `listPods` (see `createKubernetesPort`).
 */
export interface PodSource {
  addHandlers(handlers: InformerHandlers<KubeObject>): void;
  waitForSync(): Promise<void>;
  readonly store: { get(key: string): KubeObject | undefined; list?(): KubeObject[] };
  hasSynced?(): boolean;
  isFresh?(): boolean;
}

/** A live read of one pod (`undefined` when it does not exist). */
export type PodReader = (namespace: string, name: string) => Promise<Pod | undefined>;

/** One change: the pod as it is now, or gone (with the uid of what went). */
type Change = { readonly pod: Pod } | { readonly pod: undefined; readonly goneUid: string | undefined };
type Listener = (change: Change) => void;

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Waits for `promise`, but rejects with `signal.reason` as soon as the signal aborts (a cache that never syncs). */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(asError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) onAbort();
        else resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(err));
      },
    );
  });
}

/** The waiters on one pod source. */
export class PodWaiters {
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly source: PodSource,
    private readonly read: PodReader,
  ) {
    source.addHandlers({
      add: (obj) => this.#notify(objectKey(obj), { pod: obj }),
      update: (_old, obj) => this.#notify(objectKey(obj), { pod: obj }),
      delete: (obj) => this.#notify(objectKey(obj), { pod: undefined, goneUid: obj.metadata?.uid }),
      relisted: () => this.#recheckUncached(),
    });
  }

  /**
   * After a re-list, every awaited pod the cache does not hold is read live: one created and deleted while
   * the watch was silent (hung, cut) is in no event and in no list, and its waiter would wait forever.
   */
  #recheckUncached(): void {
    for (const key of this.#listeners.keys()) {
      if (this.source.store.get(key)) continue;
      const slash = key.indexOf('/');
      this.read(key.slice(0, slash), key.slice(slash + 1)).then(
        (pod) => this.#notify(key, pod ? { pod } : { pod: undefined, goneUid: undefined }),
        () => undefined, // the next re-list looks again
      );
    }
  }

  /** Resolves with the first state (current first) for which `until` holds; rejects with `signal.reason`. */
  async wait(namespace: string, name: string, until: (pod: Pod | undefined) => boolean, signal: AbortSignal): Promise<Pod | undefined> {
    await untilAborted(this.source.waitForSync(), signal);
    const key = objectKey({ metadata: { namespace, name } });
    return new Promise<Pod | undefined>((resolve, reject) => {
      const listeners = this.#listeners.get(key) ?? new Set<Listener>();
      let knownUid: string | undefined;
      let queued: Change[] | undefined;
      let settled = false;
      const finish = (): void => {
        settled = true;
        listeners.delete(listener);
        if (listeners.size === 0 && this.#listeners.get(key) === listeners) this.#listeners.delete(key);
        signal.removeEventListener('abort', onAbort);
      };
      const fail = (err: unknown): void => {
        if (settled) return;
        finish();
        reject(asError(err));
      };
      const deliver = (change: Change): void => {
        if (settled) return;
        if (change.pod === undefined && change.goneUid !== undefined && knownUid !== undefined && change.goneUid !== knownUid) return;
        if (change.pod) knownUid = change.pod.metadata?.uid;
        let done: boolean;
        try {
          done = until(change.pod);
        } catch (err) {
          fail(err);
          return;
        }
        if (!done) return;
        finish();
        resolve(change.pod);
      };
      const listener: Listener = (change) => (queued ? queued.push(change) : deliver(change));
      const onAbort = (): void => fail(signal.reason);
      // Register before looking at the cache: both happen in this tick, so no change slips between them.
      listeners.add(listener);
      this.#listeners.set(key, listeners);
      signal.addEventListener('abort', onAbort, { once: true });
      const cached = this.source.store.get(key);
      if (cached) return deliver({ pod: cached });
      queued = [];
      this.read(namespace, name).then((pod) => {
        const later = queued ?? [];
        queued = undefined;
        deliver(pod ? { pod } : { pod: undefined, goneUid: undefined });
        for (const change of later) deliver(change);
      }, fail);
    });
  }

  #notify(key: string, change: Change): void {
    const listeners = this.#listeners.get(key);
    if (!listeners) return;
    for (const listener of [...listeners]) listener(change);
  }
}
