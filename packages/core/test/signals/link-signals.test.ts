import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkSignals, linkedSignalCount } from '../../src/index.js';

describe('linkSignals', () => {
  it('aborts with the reason of the first source that aborts, and only once', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkSignals(a.signal, undefined, b.signal);
    expect(linked.signal.aborted).toBe(false);
    b.abort(new Error('b first'));
    a.abort(new Error('a later'));
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as Error).message).toBe('b first');
  });

  it('is aborted at once when a source already is', () => {
    const a = AbortSignal.abort(new Error('gone'));
    const linked = linkSignals(new AbortController().signal, a);
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as Error).message).toBe('gone');
    linked.dispose();
  });

  it('leaves nothing on a long-lived source once each linked signal is disposed (the regression: AbortSignal.any kept one entry per call)', () => {
    const tier = new AbortController();
    for (let i = 0; i < 1_000; i++) {
      const poll = new AbortController();
      const linked = linkSignals(tier.signal, poll.signal);
      if (i % 2 === 0) poll.abort(); // some end by their own source, some are simply disposed
      linked.dispose();
      linked.dispose(); // idempotent
    }
    expect(linkedSignalCount(tier.signal)).toBe(0);
    // And the source still works for a signal linked after all that.
    const last = linkSignals(tier.signal);
    tier.abort(new Error('stop'));
    expect(last.signal.aborted).toBe(true);
    expect(linkedSignalCount(tier.signal)).toBe(0);
  });

  it('puts one abort listener on a source however many signals follow it (no max-listeners warning)', () => {
    const tier = new AbortController();
    const linked = Array.from({ length: 100 }, () => linkSignals(tier.signal, new AbortController().signal));
    expect(linkedSignalCount(tier.signal)).toBe(100);
    expect(getEventListeners(tier.signal, 'abort')).toHaveLength(1);
    tier.abort();
    expect(linked.every((l) => l.signal.aborted)).toBe(true);
    expect(linkedSignalCount(tier.signal)).toBe(0);
  });

  it('a disposed signal no longer aborts with its sources', () => {
    const a = new AbortController();
    const linked = linkSignals(a.signal);
    linked.dispose();
    a.abort();
    expect(linked.signal.aborted).toBe(false);
  });
});
