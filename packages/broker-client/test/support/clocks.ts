// Test clocks. ManualClock holds sleeps until the test advances time; AutoClock lets every sleep pass at once
// but moves time forward by its length, so a storm of back-offs runs in a millisecond and the recorded times
// are exactly what the client would have waited.
import { setImmediate as tick } from 'node:timers/promises';
import type { Clock } from '../../src/index.js';

interface Timer {
  readonly at: number;
  readonly resolve: () => void;
}

export class ManualClock implements Clock {
  #timers: Timer[] = [];
  constructor(public t = Date.parse('2026-11-24T12:00:00Z')) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = { at: this.t + Math.max(0, ms), resolve };
      this.#timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.#timers = this.#timers.filter((x) => x !== timer);
        reject(signal.reason as Error);
      });
    });
  }

  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward, firing due timers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await settle();
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.t = Math.max(this.t, next.at);
      next.resolve();
      await settle();
    }
    this.t = target;
    await settle();
  }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await tick();
}

export class AutoClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = Date.now()) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
    return Promise.resolve();
  }
}
