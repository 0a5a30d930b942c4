// The soak report's arithmetic, and its /proc sampling against this very process.
import { describe, expect, it } from 'vitest';
import { growthPerHour, sampleProcess } from '../../scripts/soak-growth.js';

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

describe('sampleProcess', () => {
  it('reads RSS and open fds of a live process, and nothing of a missing one', async () => {
    const me = await sampleProcess(process.pid);
    expect(me!.rssBytes).toBeGreaterThan(1e6);
    expect(me!.fds).toBeGreaterThan(2);
    expect(await sampleProcess(2 ** 22 + 1)).toBeUndefined();
  });
});
