// Growth of a sampled figure (RSS, open fds) over a soak run, per hour: the least-squares slope of the samples
// after warm-up, as an absolute rate and as a share of the first kept sample.

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
