/**
 * One signal that aborts when any of several does — without `AbortSignal.any`, which on Node 20 adds a WeakRef
 * to every source signal's set of dependants and never removes it while the source lives: each call with a
 * long-lived source (a listener's or a tier's stop signal) leaked an entry, per poll and per job. Here each source
 * gets one `abort` listener for its whole life (so a busy source never trips Node's max-listeners warning),
 * fanning out to the linked signals still registered on it; `dispose()` takes a linked signal off its sources.
 */

/** A signal linked to its sources, and the way to unlink it. */
export interface LinkedSignal {
  /** Aborts, with that source's reason, when the first of the sources aborts. */
  readonly signal: AbortSignal;
  /** Unlinks the signal from its sources (idempotent). Call it once the signal is no longer needed. */
  dispose(): void;
}

type Forward = (reason: unknown) => void;

// Per source signal, the linked signals to abort with it. Weak: a source that is collected takes its set along.
const dependants = new WeakMap<AbortSignal, Set<Forward>>();

function follow(source: AbortSignal, forward: Forward): () => void {
  let set = dependants.get(source);
  if (!set) {
    const fresh = new Set<Forward>();
    set = fresh;
    dependants.set(source, fresh);
    source.addEventListener(
      'abort',
      () => {
        dependants.delete(source);
        for (const f of [...fresh]) f(source.reason);
        fresh.clear();
      },
      { once: true },
    );
  }
  const held = set;
  held.add(forward);
  return () => held.delete(forward);
}

/**
 * A signal that aborts when the first of `sources` does (undefined entries are skipped; an already aborted source
 * gives an aborted signal). Call `dispose()` when done with it — in a `finally` — so that a long-lived source does
 * not keep it.
 */
export function linkSignals(...sources: readonly (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  const live = sources.filter((s): s is AbortSignal => s !== undefined);
  const aborted = live.find((s) => s.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose: () => undefined };
  }
  const unfollow: (() => void)[] = [];
  const dispose = (): void => {
    for (const u of unfollow.splice(0)) u();
  };
  const forward: Forward = (reason) => {
    dispose();
    controller.abort(reason);
  };
  for (const source of live) unfollow.push(follow(source, forward));
  return { signal: controller.signal, dispose };
}

/** How many linked signals still follow `source` (for tests: back to 0 once every one is disposed). */
export function linkedSignalCount(source: AbortSignal): number {
  return dependants.get(source)?.size ?? 0;
}
