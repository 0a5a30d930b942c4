// One clock drives every timer of the fake (poll holds, locks, windows, token TTLs, injected latency),
// so a test can move time forward instead of sleeping.

/** A cancellable timer handle. */
export interface ClockTimer {
  cancel(): void;
}

/** The clock the fake reads and schedules on. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): ClockTimer;
}

/** A manual clock: time moves only through {@link ManualClock.advance}. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

/** The wall clock, backed by Node timers. */
export function realClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const t = setTimeout(fn, Math.max(0, ms));
      return { cancel: () => clearTimeout(t) };
    },
  };
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** A clock that starts at `startMs` and moves only when advanced; due timers run in time order. */
export function manualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs;
  let seq = 0;
  const pending: Pending[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const p: Pending = { at: now + Math.max(0, ms), seq: seq++, fn, live: true };
      pending.push(p);
      return { cancel: () => void (p.live = false) };
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let next: Pending | undefined;
        for (const p of pending) {
          if (p.live && p.at <= target && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
        }
        if (!next) break;
        next.live = false;
        pending.splice(pending.indexOf(next), 1);
        now = Math.max(now, next.at);
        next.fn();
      }
      now = target;
      for (let i = pending.length - 1; i >= 0; i--) if (!pending[i]!.live) pending.splice(i, 1);
    },
  };
}
