// The summary printed when --exit-when-done ends a run.
import type { JobBook } from './jobs.js';
import { percentile } from './jobs.js';

const ms = (v: number | undefined): string => (v === undefined ? 'n/a' : `${(v / 1000).toFixed(2)}s`);

/** The summary lines: jobs, conclusions, p50/p95 queue→pod latency. */
export function summaryLines(jobs: JobBook, elapsedMs: number): string[] {
  const lat = jobs.latencies();
  const conclusions = Object.entries(jobs.conclusions()).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `jobs: ${jobs.all().length} in ${(elapsedMs / 1000).toFixed(1)}s`,
    `conclusions: ${conclusions || 'none'}`,
    `queue→pod latency: p50 ${ms(percentile(lat, 50))}, p95 ${ms(percentile(lat, 95))} (${lat.length} pods)`,
  ];
}
