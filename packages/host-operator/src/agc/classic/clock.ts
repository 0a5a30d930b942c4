/**
 * The tier runs on core's injected `Clock` (`now(): Date`, `sleep` resolving false on abort);
 * broker-client's sessions and REST gate want theirs (`now(): number`, `sleep` rejecting on abort).
 * One adapter, so both read the same time line, and one deadline helper for the control-plane calls.
 */
import type { Clock as BrokerClock } from '@actions-gateway/broker-client';
import { linkSignals, type Clock } from '@actions-gateway/core';

/** broker-client's clock on core's. */
export function toBrokerClock(clock: Clock): BrokerClock {
  return {
    now: () => clock.now().getTime(),
    sleep: async (ms, signal) => {
      if (!(await clock.sleep(ms, signal))) throw signal?.reason instanceof Error ? signal.reason : new Error('aborted');
    },
  };
}

/**
 * Runs `call` with a signal that aborts when `parent` does or when `ms` pass on `clock`, whichever is first.
 */
export async function withDeadline<T>(clock: Clock, ms: number, parent: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = new AbortController();
  const timer = new AbortController();
  void clock.sleep(ms, timer.signal).then((elapsed) => elapsed && deadline.abort(new Error(`no answer within ${ms} ms`)));
  const linked = linkSignals(parent, deadline.signal);
  try {
    return await call(linked.signal);
  } finally {
    timer.abort();
    linked.dispose();
  }
}
