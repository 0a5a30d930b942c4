import type { Clock } from '../../../src/index.js';

interface Timer {
  due: number;
  seq: number;
  resolve: (elapsed: boolean) => void;
}

/** Lets every pending promise callback run (the in-memory ports settle through microtasks only). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A clock tests drive by hand: time moves only in {@link advance} and {@link runUntil}. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start = Date.parse('2026-03-01T12:00:00Z')) {
    this.#now = start;
  }

  now(): Date {
    return new Date(this.#now);
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (signal?.aborted) return resolve(false);
      const timer: Timer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, resolve };
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve(false);
      };
      timer.resolve = (elapsed) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(elapsed);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  #fireNext(limit: number): boolean {
    const next = [...this.#timers].sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
    if (!next || next.due > limit) return false;
    this.#timers = this.#timers.filter((t) => t !== next);
    this.#now = Math.max(this.#now, next.due);
    next.resolve(true);
    return true;
  }

  /** Moves time forward by `ms`, firing every timer due on the way in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    while (this.#fireNext(target)) await flush();
    this.#now = target;
    await flush();
  }

  /** Jumps from timer to timer until `promise` settles; fails if it waits on nothing or past `limitMs`. */
  async runUntil<T>(promise: Promise<T>, limitMs = 48 * 3_600_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    const limit = this.#now + limitMs;
    for (;;) {
      await flush();
      if (settled) return watched;
      if (!this.#fireNext(limit)) {
        await flush();
        if (settled) return watched;
        throw new Error(`promise still pending with ${this.#timers.length} timers and no timer due before the limit`);
      }
    }
  }
}
