/**
 * Time, injected. Every wait in core goes through a Clock, so tests drive time by hand and never sleep.
 */
export interface Clock {
  now(): Date;
  /**
   * Waits `ms` milliseconds. Resolves `true` when the time passed, `false` as soon as `signal` aborts
   * (it never rejects).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

/** The wall clock on Node's timers. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<boolean>((resolve) => {
      if (signal?.aborted) return resolve(false);
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
