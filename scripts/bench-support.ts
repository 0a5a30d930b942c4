// Small helpers every benchmark shares: order statistics and the results file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 0.5);

/** Writes bench-results/<name>.json with the machine it ran on, so figures can be compared across runs. */
export function writeBenchResult(name: string, result: Record<string, unknown>): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const dir = join(root, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const record = { name, at: new Date().toISOString(), node: process.version, cpus: availableParallelism(), ...result };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(record, null, 2) + '\n');
}
