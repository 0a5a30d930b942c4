import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../src/index.js';

describe('ManualClock', () => {
  it('starts where told and moves only on advance', () => {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    expect(clock.now()).toBe(Date.parse('2026-03-01T00:00:00Z'));
    clock.advance(1500);
    expect(clock.now()).toBe(Date.parse('2026-03-01T00:00:01.500Z'));
  });

  it('fires due timers in time order, ties in set order, each at its own time', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimeout(at('c'), 30);
    clock.setTimeout(at('a'), 10);
    clock.setTimeout(at('b'), 10);
    clock.setTimeout(at('late'), 31);
    clock.advance(30);
    expect(fired).toEqual(['a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(30);
    clock.advance(1);
    expect(fired.at(-1)).toBe('late@31');
  });

  it('fires timers set while firing when they fall due within the same advance', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5), 5);
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([10]);
  });

  it('never fires a cancelled timer', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('kept'), 10);
    clock.setTimeout(() => fired.push('cancelled'), 10).cancel();
    clock.setTimeout(() => fired.push('cancelled now'), 0).cancel();
    clock.advance(10);
    await tick();
    expect(fired).toEqual(['kept']);
  });

  it('fires a zero-delay timer on the next turn without advance', async () => {
    const clock = new ManualClock(0);
    let fired = false;
    clock.setTimeout(() => (fired = true), 0);
    expect(fired).toBe(false);
    await tick();
    expect(fired).toBe(true);
    expect(clock.now()).toBe(0);
  });
});

describe('systemClock', () => {
  it('reads the wall clock and runs and cancels real timers', async () => {
    const before = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    let cancelledFired = false;
    systemClock.setTimeout(() => (cancelledFired = true), 1).cancel();
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
    expect(cancelledFired).toBe(false);
  });
});
