/**
 * A bound on how many calls of one kind run at once (agent registrations at GitHub, shared by every
 * RunnerGroup of the classic tier): callers beyond the bound wait in arrival order.
 */

/** At most `limit` works at once; the rest wait their turn, first come first served. */
export class ConcurrencyLimit {
  readonly #limit: number;
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a whole number ≥ 1, got ${limit}`);
    this.#limit = limit;
  }

  /** Works running now. */
  get running(): number {
    return this.#running;
  }

  /** Runs `work` once a slot is free; rejects without running it when `signal` aborts while it waits. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await work();
    } finally {
      this.#running -= 1;
      this.#waiting.shift()?.();
    }
  }

  async #acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#running < this.#limit) {
      this.#running += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const turn = (): void => {
        signal?.removeEventListener('abort', aborted);
        this.#running += 1;
        resolve();
      };
      const aborted = (): void => {
        const at = this.#waiting.indexOf(turn);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      };
      this.#waiting.push(turn);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }
}
