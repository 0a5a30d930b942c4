// The soak report's arithmetic, and its /proc sampling against this very process.
import { describe, expect, it } from 'vitest';
import { growthPerHour, robustGrowthPerHour, sampleProcess, windowMinima } from '../../scripts/soak-growth.js';

describe('growthPerHour', () => {
  it('gives the least-squares slope per hour and as a share of the first kept sample', () => {
    // 100 MB growing 1 MB a minute: 60 MB/h, 60 %/h of 100 MB.
    const samples = Array.from({ length: 11 }, (_, i) => ({ atMs: i * 60_000, value: 100e6 + i * 1e6 }));
    const g = growthPerHour(samples);
    expect(g.perHour).toBeCloseTo(60e6, 0);
    expect(g.percentPerHour).toBeCloseTo(60, 6);
    expect(g).toMatchObject({ first: 100e6, last: 110e6, samples: 11 });
  });

  it('reads a flat series with noise as flat, and leaves the warm-up out', () => {
    const samples = [{ atMs: 0, value: 10 }, ...Array.from({ length: 10 }, (_, i) => ({ atMs: (i + 1) * 60_000, value: 100 + (i % 2 === 0 ? 1 : -1) }))];
    const g = growthPerHour(samples, 60_000);
    expect(g.samples).toBe(10);
    expect(Math.abs(g.percentPerHour)).toBeLessThan(5);
    expect(growthPerHour(samples).percentPerHour).toBeGreaterThan(100); // the warm-up sample would fake a leak
  });

  it('reports no growth from fewer than two samples', () => {
    expect(growthPerHour([{ atMs: 0, value: 5 }])).toEqual({ perHour: 0, percentPerHour: 0, first: 5, last: 5, samples: 1 });
  });
});

describe('robustGrowthPerHour', () => {
  it('finds the slope of a steady climb, as a share of the fitted start', () => {
    const samples = Array.from({ length: 11 }, (_, i) => ({ atMs: i * 60_000, value: 100e6 + i * 1e6 }));
    const g = robustGrowthPerHour(samples);
    expect(g.perHour).toBeCloseTo(60e6, 0);
    expect(g.percentPerHour).toBeCloseTo(60, 6);
  });

  it('is not swung by a few outliers that swing the least-squares slope', () => {
    // Flat at 100 with two late spikes (a heap snapshot, a burst): least squares reads a climb, Theil–Sen does not.
    const samples = Array.from({ length: 20 }, (_, i) => ({ atMs: i * 60_000, value: i >= 18 ? 160 : 100 }));
    expect(growthPerHour(samples).percentPerHour).toBeGreaterThan(20);
    expect(robustGrowthPerHour(samples).percentPerHour).toBe(0);
  });

  it('still reports a real leak under noise, and leaves the warm-up out', () => {
    const samples = [{ atMs: 0, value: 10 }, ...Array.from({ length: 30 }, (_, i) => ({ atMs: (i + 1) * 60_000, value: 100 + i * 0.5 + (i % 3) * 2 }))];
    const g = robustGrowthPerHour(samples, 60_000);
    expect(g.samples).toBe(30);
    expect(g.perHour).toBeCloseTo(30, 0); // 0.5 a minute
  });

  it('reports no growth from fewer than two samples', () => {
    expect(robustGrowthPerHour([{ atMs: 5, value: 5 }], 0)).toEqual({ perHour: 0, percentPerHour: 0, first: 5, last: 5, samples: 1 });
  });
});

describe('windowMinima', () => {
  it('keeps the floor of each window of a GC sawtooth', () => {
    const saw = Array.from({ length: 12 }, (_, i) => ({ atMs: i * 10_000, value: 100 + (i % 4) * 10 + Math.floor(i / 4) }));
    expect(windowMinima(saw, 40_000)).toEqual([
      { atMs: 0, value: 100 },
      { atMs: 40_000, value: 101 },
      { atMs: 80_000, value: 102 },
    ]);
  });
});

describe('sampleProcess', () => {
  it('reads RSS and open fds of a live process, and nothing of a missing one', async () => {
    const me = await sampleProcess(process.pid);
    expect(me!.rssBytes).toBeGreaterThan(1e6);
    expect(me!.fds).toBeGreaterThan(2);
    expect(await sampleProcess(2 ** 22 + 1)).toBeUndefined();
  });
});
