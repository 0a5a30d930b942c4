import { createMetrics } from '@actions-gateway/metrics';
import { describe, expect, it } from 'vitest';
import { Controller, ItemExponentialRateLimiter, type ReconcileResult } from '../../src/index.js';
import { ManualClock, flush } from '../support/manual-clock.js';

describe('Controller', () => {
  it('retries a failing key with per-item backoff, counts errors, then forgets on success', async () => {
    const clock = new ManualClock();
    const metrics = createMetrics('controller');
    const calls: number[] = [];
    let failures = 2;
    const controller = new Controller({
      name: 'actionsgateway',
      clock,
      registry: metrics.registry,
      rateLimiter: new ItemExponentialRateLimiter(5, 1_000_000),
      reconcile: () => {
        calls.push(clock.now());
        if (failures-- > 0) return Promise.reject(new Error('apply failed'));
        return Promise.resolve();
      },
      onError: () => metrics.reconcileErrors.inc({ controller: 'gmc', resource: 'ActionsGateway' }),
    });
    await controller.start();
    controller.enqueue('team-a/gw');
    await flush();
    await clock.advance(5);
    await clock.advance(10);
    expect(calls.map((t) => t - calls[0]!)).toEqual([0, 5, 15]);
    expect(controller.queue.numRequeues('team-a/gw')).toBe(0);
    const text = await metrics.registry.metrics();
    expect(text).toContain('actions_gateway_reconcile_errors_total{controller="gmc",resource="ActionsGateway"} 2');
    expect(text).toContain('controller_runtime_reconcile_total{controller="actionsgateway",result="error"} 2');
    expect(text).toContain('controller_runtime_reconcile_total{controller="actionsgateway",result="success"} 1');
    expect(text).toContain('workqueue_retries_total{name="actionsgateway"} 2');
    await controller.stop();
  });

  it('requeues after requeueAfter on the clock', async () => {
    const clock = new ManualClock();
    let n = 0;
    const controller = new Controller({
      name: 'c',
      clock,
      reconcile: (): Promise<ReconcileResult> => Promise.resolve(++n < 3 ? { requeueAfter: 15_000 } : {}),
    });
    await controller.start();
    controller.enqueue('k');
    await flush();
    expect(n).toBe(1);
    await clock.advance(14_999);
    expect(n).toBe(1);
    await clock.advance(1);
    expect(n).toBe(2);
    await clock.advance(15_000);
    expect(n).toBe(3);
    await clock.advance(60_000);
    expect(n).toBe(3);
    await controller.stop();
  });

  it('never runs one key twice at once, even with several workers', async () => {
    const clock = new ManualClock();
    const running = new Set<string>();
    let overlap = false;
    let runs = 0;
    const gates: (() => void)[] = [];
    const controller = new Controller({
      name: 'c',
      clock,
      concurrency: 4,
      reconcile: async (key) => {
        if (running.has(key)) overlap = true;
        running.add(key);
        runs++;
        await new Promise<void>((r) => gates.push(r));
        running.delete(key);
      },
    });
    await controller.start();
    controller.enqueue('a');
    await flush();
    controller.enqueue('a');
    controller.enqueue('a');
    controller.enqueue('b');
    await flush();
    expect(runs).toBe(2); // a and b; the second a waits for the first
    gates.splice(0).forEach((g) => g());
    await flush();
    expect(runs).toBe(3);
    gates.splice(0).forEach((g) => g());
    await flush();
    expect(overlap).toBe(false);
    await controller.stop();
  });

  it('stop lets the in-flight reconcile finish and aborts its signal', async () => {
    const clock = new ManualClock();
    let seenAbort = false;
    let release: () => void = () => undefined;
    const controller = new Controller({
      name: 'c',
      clock,
      reconcile: async (_key, signal) => {
        await new Promise<void>((r) => (release = r));
        seenAbort = signal.aborted;
      },
    });
    await controller.start();
    controller.enqueue('a');
    await flush();
    const stopping = controller.stop();
    release();
    await stopping;
    expect(seenAbort).toBe(true);
  });
});
