import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ItemExponentialRateLimiter, MaxOfRateLimiter, TokenBucketRateLimiter, WorkQueue, defaultControllerRateLimiter } from '../../src/index.js';
import { ManualClock, flush } from '../support/manual-clock.js';

function queue(clock = new ManualClock(), registry?: Registry): WorkQueue {
  return new WorkQueue({ name: 'test', clock, ...(registry ? { registry } : {}) });
}

describe('WorkQueue', () => {
  it('dedupes a key that is already waiting', async () => {
    const q = queue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands out a key that is processing; an add meanwhile re-queues it on done', async () => {
    const q = queue();
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    expect(q.length).toBe(0);
    expect(q.isProcessing('a')).toBe(true);
    q.done('a');
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('wakes a blocked get when a key arrives, and resolves undefined on shutdown', async () => {
    const q = queue();
    const pending = q.get();
    q.add('x');
    expect(await pending).toBe('x');
    const blocked = q.get();
    q.shutdown();
    expect(await blocked).toBeUndefined();
    q.add('y');
    expect(await q.get()).toBeUndefined();
  });

  it('addAfter waits on the clock, and the earliest delay wins', async () => {
    const clock = new ManualClock();
    const q = queue(clock);
    q.addAfter('a', 1000);
    q.addAfter('a', 500);
    q.addAfter('a', 2000);
    await clock.advance(499);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    await clock.advance(5000);
    expect(q.length).toBe(1);
  });

  it('addRateLimited backs off per item exponentially from 5 ms, and forget resets it', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ name: 't', clock, rateLimiter: new ItemExponentialRateLimiter(5, 1_000_000) });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      while (q.length === 0) await clock.advance(1);
      delays.push(clock.now() - start);
      await q.get();
      q.done('k');
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(q.numRequeues('k')).toBe(4);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('shutdownAndDrain waits for keys in processing', async () => {
    const q = queue();
    q.add('a');
    await q.get();
    let drained = false;
    const drain = q.shutdownAndDrain().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    q.done('a');
    await drain;
    expect(drained).toBe(true);
  });

  it('exports controller-runtime workqueue metrics with a name label', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    const q = queue(clock, registry);
    q.add('a');
    q.add('b');
    await clock.advance(250);
    const key = await q.get();
    await clock.advance(1000);
    q.done(key!);
    q.addRateLimited('c');
    const text = await registry.metrics();
    expect(text).toContain('workqueue_depth{name="test"} 1');
    expect(text).toContain('workqueue_adds_total{name="test"} 2');
    expect(text).toContain('workqueue_retries_total{name="test"} 1');
    expect(text).toMatch(/workqueue_queue_duration_seconds_sum\{name="test"\} 0\.25/);
    expect(text).toMatch(/workqueue_work_duration_seconds_sum\{name="test"\} 1\b/);
    // A second queue on the same registry shares the families.
    new WorkQueue({ name: 'other', clock, registry }).add('z');
    expect(await registry.metrics()).toContain('workqueue_adds_total{name="other"} 1');
  });
});

describe('rate limiters', () => {
  it('caps the per-item backoff at 1000 s', () => {
    const l = new ItemExponentialRateLimiter(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < 30; i++) last = l.when('k');
    expect(last).toBe(1_000_000);
  });

  it('the token bucket allows a burst, then spaces items at 1/qps', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucketRateLimiter(clock, 10, 3);
    expect([bucket.when(), bucket.when(), bucket.when()]).toEqual([0, 0, 0]);
    expect(bucket.when()).toBe(100);
    expect(bucket.when()).toBe(200);
    await clock.advance(1000);
    expect(bucket.when()).toBe(0);
  });

  it('the default limiter takes the larger of per-item and overall delays', () => {
    const clock = new ManualClock();
    const l = defaultControllerRateLimiter(clock);
    expect(l.when('a')).toBe(5);
    const max = new MaxOfRateLimiter(new ItemExponentialRateLimiter(5, 100), new TokenBucketRateLimiter(clock, 1, 1));
    expect(max.when('x')).toBe(5);
    expect(max.when('y')).toBe(1000);
  });
});
