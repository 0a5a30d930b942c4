// The one time source of the testkit: the API server, the kubelet and the fake GitHub all read and schedule on a
// Clock, so a sandbox drives every fake from one ManualClock and a test moves time forward instead of sleeping.

/** A cancellable timer handle. */
export interface ClockTimer {
  cancel(): void;
}

/** A time source with cancellable timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once `ms` have passed on this clock. */
  setTimeout(fn: () => void, ms: number): ClockTimer;
}

/** The wall clock, backed by Node timers; they are unref'd so a fake left running never holds the process open. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when {@link ManualClock.advance} is called; timers due by then fire in time order
 * (ties in the order they were set). A timer set with a delay of zero or less is already due: it fires on the next
 * turn of the event loop without waiting for `advance`.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  /** Starts at `start` (default 2026-01-01T00:00:00Z). */
  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    if (ms <= 0) {
      let cancelled = false;
      setImmediate(() => !cancelled && fn());
      return { cancel: () => void (cancelled = true) };
    }
    const timer: Pending = { at: this.#now + ms, seq: this.#seq++, fn };
    this.#pending.push(timer);
    return { cancel: () => void (this.#pending = this.#pending.filter((p) => p !== timer)) };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones set while firing). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.#pending) {
        if (p.at <= target && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (!next) break;
      const due = next;
      this.#pending = this.#pending.filter((p) => p !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = target;
  }
}
