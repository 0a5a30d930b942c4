// Growth of a sampled figure (RSS, open fds) over a soak run, per hour, after a warm-up window: the least-squares
// slope (`growthPerHour`) and the Theil–Sen slope (`robustGrowthPerHour`, the median of the slopes between every
// pair of samples), which one GC spike or one snapshot cannot swing. `windowMinima` turns a GC sawtooth into the
// floor it saws above, for when the process cannot be asked to collect before it is sampled.

/** One sample of one process. */
export interface SoakSample {
  /** Milliseconds since the soak began. */
  readonly atMs: number;
  readonly value: number;
}

/** How fast a figure grew. */
export interface Growth {
  /** Units per hour (bytes/h for RSS, fds/h for handles). */
  readonly perHour: number;
  /** `perHour` as a percentage of the first kept sample. */
  readonly percentPerHour: number;
  readonly first: number;
  readonly last: number;
  readonly samples: number;
}

/**
 * The growth per hour of `samples`, ignoring those taken before `warmupMs` (start-up allocations are not a
 * leak). Needs two kept samples; with fewer, the rate is 0.
 */
export function growthPerHour(samples: readonly SoakSample[], warmupMs = 0): Growth {
  const kept = samples.filter((s) => s.atMs >= warmupMs);
  const first = kept[0]?.value ?? 0;
  const last = kept.at(-1)?.value ?? 0;
  if (kept.length < 2) return { perHour: 0, percentPerHour: 0, first, last, samples: kept.length };
  const n = kept.length;
  const meanX = kept.reduce((a, s) => a + s.atMs, 0) / n;
  const meanY = kept.reduce((a, s) => a + s.value, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const s of kept) {
    sxy += (s.atMs - meanX) * (s.value - meanY);
    sxx += (s.atMs - meanX) ** 2;
  }
  const perMs = sxx === 0 ? 0 : sxy / sxx;
  const perHour = perMs * 3_600_000;
  return { perHour, percentPerHour: first === 0 ? 0 : (perHour / first) * 100, first, last, samples: n };
}

/**
 * The growth per hour of `samples` after `warmupMs` by the Theil–Sen estimator: the median of the slopes between
 * every pair of kept samples. Robust to outliers (up to ~29 % of the samples can be anything) and, unlike a
 * least-squares fit, not pulled by the one sample taken right after an unusual burst. The percentage is of the
 * fitted value at the first kept sample (the median intercept), so one odd first sample does not set the scale.
 */
export function robustGrowthPerHour(samples: readonly SoakSample[], warmupMs = 0): Growth {
  const kept = samples.filter((s) => s.atMs >= warmupMs);
  const first = kept[0]?.value ?? 0;
  const last = kept.at(-1)?.value ?? 0;
  if (kept.length < 2) return { perHour: 0, percentPerHour: 0, first, last, samples: kept.length };
  const slopes: number[] = [];
  for (let i = 0; i < kept.length; i++) {
    for (let j = i + 1; j < kept.length; j++) {
      const dx = kept[j]!.atMs - kept[i]!.atMs;
      if (dx > 0) slopes.push((kept[j]!.value - kept[i]!.value) / dx);
    }
  }
  const perMs = median(slopes);
  const x0 = kept[0]!.atMs;
  const base = median(kept.map((s) => s.value - perMs * (s.atMs - x0)));
  const perHour = perMs * 3_600_000;
  return { perHour, percentPerHour: base === 0 ? 0 : (perHour / base) * 100, first, last, samples: kept.length };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The lowest sample of each consecutive `windowMs` window (at its own time), dropping empty windows:
 * the floor of a GC sawtooth, which climbs only when something is retained.
 */
export function windowMinima(samples: readonly SoakSample[], windowMs: number): SoakSample[] {
  const out = new Map<number, SoakSample>();
  for (const s of samples) {
    const w = Math.floor(s.atMs / windowMs);
    const held = out.get(w);
    if (!held || s.value < held.value) out.set(w, s);
  }
  return [...out.values()].sort((a, b) => a.atMs - b.atMs);
}

/** RSS in bytes and open file descriptors of a live process, from /proc; undefined once it is gone. */
export async function sampleProcess(pid: number): Promise<{ rssBytes: number; fds: number } | undefined> {
  const { readFile, readdir } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    const fds = (await readdir(`/proc/${pid}/fd`)).length;
    return m ? { rssBytes: Number(m[1]) * 1024, fds } : undefined;
  } catch {
    return undefined;
  }
}
