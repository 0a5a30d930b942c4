// A core Clock that moves only when the test says so, starting at the wall-clock time (the fake GitHub checks
// JWT times against its own clock). Sleepers are visible, so a test can see what a loop waits for.
import type { Clock } from '@actions-gateway/core';

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly resolve: (elapsed: boolean) => void;
}

export class TestClock implements Clock {
  #now = Date.now();
  #seq = 0;
  readonly #sleepers = new Set<Sleeper>();

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const sleeper: Sleeper = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: (elapsed) => {
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener('abort', onAbort);
          resolve(elapsed);
        },
      };
      const onAbort = (): void => sleeper.resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.add(sleeper);
      if (ms <= 0) setImmediate(() => this.#sleepers.has(sleeper) && sleeper.resolve(true));
    });
  }

  /** Deadlines of the pending sleeps, as offsets from now (ms). */
  pending(): number[] {
    return [...this.#sleepers].map((s) => s.at - this.#now).sort((a, b) => a - b);
  }

  /** Moves time forward, waking every sleeper that falls due, in order, letting each one's continuation run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const next = [...this.#sleepers].filter((s) => s.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.#now = Math.max(this.#now, next.at);
      next.resolve(true);
      await new Promise((r) => setImmediate(r));
    }
    this.#now = target;
    await new Promise((r) => setImmediate(r));
  }
}
