// The bound on registrations in flight: waiters run in arrival order, never more than the limit at once, and a
// waiter whose signal aborts leaves the queue without running.
import { expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../../src/agc/classic/concurrency-limit.js';

/** A work that ends when the test says so. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

it('runs at most `limit` works at once, the rest in arrival order as slots free up', async () => {
  const limit = new ConcurrencyLimit(2);
  const gates = [gate(), gate(), gate(), gate()];
  const started: number[] = [];
  const runs = gates.map((g, i) => limit.run(async () => (started.push(i), await g.promise, i)));
  await Promise.resolve();
  await Promise.resolve();
  expect(started).toEqual([0, 1]);
  expect(limit.running).toBe(2);
  gates[1]!.open();
  await runs[1];
  await Promise.resolve();
  expect(started).toEqual([0, 1, 2]);
  gates[0]!.open();
  gates[2]!.open();
  gates[3]!.open();
  expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  expect(started).toEqual([0, 1, 2, 3]);
  expect(limit.running).toBe(0);
});

it('a failing work frees its slot, and an aborted waiter rejects without running', async () => {
  const limit = new ConcurrencyLimit(1);
  const first = gate();
  const busy = limit.run(async () => {
    await first.promise;
    throw new Error('boom');
  });
  const abort = new AbortController();
  let ran = false;
  const waiting = limit.run(() => Promise.resolve(void (ran = true)), abort.signal);
  abort.abort(new Error('group deleted'));
  await expect(waiting).rejects.toThrow('group deleted');
  first.open();
  await expect(busy).rejects.toThrow('boom');
  expect(ran).toBe(false);
  expect(limit.running).toBe(0);
  expect(await limit.run(() => Promise.resolve('next'))).toBe('next');
  expect(() => new ConcurrencyLimit(0)).toThrow(/≥ 1/);
});
