/** Reads the metric tables of the user's observability reference (a committed copy of the seed). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const seedPath = fileURLToPath(new URL('./fixtures/observability-seed.txt', import.meta.url));
/** Where the user's reference lives beside a checkout; absent outside this workplace. */
export const sharedSeedPath = fileURLToPath(new URL('../../../../shared/seed/observability.txt', import.meta.url));

export interface SeedMetric {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labelNames: readonly string[];
  readonly description: string;
}

const row = /^(actions_gateway_\w+) (Gauge|Counter|Histogram) ((?:[a-z_]+, )*[a-z_]+ )?([A-Z].*)$/;

/** Every row of the "Full Metrics Reference" and "Proxy metrics" tables, tagged by table. */
export function readSeedMetrics(text = readFileSync(seedPath, 'utf8')): { controller: SeedMetric[]; proxy: SeedMetric[] } {
  const controller: SeedMetric[] = [];
  const proxy: SeedMetric[] = [];
  let table: SeedMetric[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('Full Metrics Reference')) table = controller;
    else if (line.startsWith('Proxy metrics')) table = proxy;
    else if (line.startsWith('Symptom → Metric Mapping')) table = undefined;
    const match = table && row.exec(line.trim());
    if (!table || !match) continue;
    table.push({
      name: match[1]!,
      type: match[2]!.toLowerCase() as SeedMetric['type'],
      labelNames: match[3] ? match[3].trim().split(', ') : [],
      description: match[4]!,
    });
  }
  return { controller, proxy };
}

export const sharedSeedExists = (): boolean => existsSync(sharedSeedPath);
