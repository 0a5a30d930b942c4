// withDeadline wraps every control-plane call of the classic tier with the tier's long-lived signal: nothing of
// each call may stay on that signal (AbortSignal.any kept one entry per call on Node 20).
import { linkedSignalCount, systemClock } from '@actions-gateway/core';
import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../../src/agc/classic/clock.js';
import { nodeDependants } from '../../support/signal-dependants.js';

describe('withDeadline', () => {
  it('leaves nothing on the parent signal after its calls end, whether they resolve or throw', async () => {
    const tier = new AbortController();
    for (let i = 0; i < 50; i++) {
      await withDeadline(systemClock, 60_000, tier.signal, (s) => Promise.resolve(s.aborted));
      await withDeadline(systemClock, 60_000, tier.signal, () => Promise.reject(new Error('no'))).catch(() => undefined);
    }
    expect(linkedSignalCount(tier.signal)).toBe(0);
    expect(nodeDependants(tier.signal)).toBe(0);
  });

  it('still aborts the call when the parent aborts', async () => {
    const tier = new AbortController();
    const seen = withDeadline(systemClock, 60_000, tier.signal, (s) => new Promise<unknown>((resolve) => s.addEventListener('abort', () => resolve(s.reason), { once: true })));
    tier.abort(new Error('stopping'));
    expect(((await seen) as Error).message).toBe('stopping');
  });
});
