// Static checks of the metric names and labels PromQL text uses, against the metric catalogue.
import { metricCatalogue } from '@actions-gateway/metrics';

const byName = new Map<string, { labelNames: readonly string[]; type: string }>(
  metricCatalogue.map((m) => [m.name, { labelNames: m.labelNames, type: m.type }]),
);

/** Labels every scraped series has besides its own: the target's, and a histogram bucket's `le`. */
const scrapeLabels = ['job', 'instance', 'pod', 'namespace_scrape'];

/** The catalogue entry a series name belongs to, resolving histogram `_bucket`/`_sum`/`_count`. */
export function resolveSeriesName(series: string): { metric: string; labelNames: readonly string[] } | undefined {
  const direct = byName.get(series);
  if (direct) return { metric: series, labelNames: direct.labelNames };
  const suffix = /_(bucket|sum|count)$/.exec(series);
  if (!suffix) return undefined;
  const base = series.slice(0, -suffix[0].length);
  const histogram = byName.get(base);
  if (histogram?.type !== 'histogram') return undefined;
  return { metric: base, labelNames: suffix[1] === 'bucket' ? [...histogram.labelNames, 'le'] : histogram.labelNames };
}

/** `actions_gateway_*` series names in a PromQL text (recording-rule names `actions_gateway:*` excluded). */
export function seriesNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\bactions_gateway_[a-z0-9_]+\b/g)].map((m) => m[0]))];
}

/** `actions_gateway:*` recording-rule names a PromQL text reads. */
export function recordedNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\bactions_gateway:[a-z0-9_:]+/g)].map((m) => m[0]))];
}

/**
 * Label problems in a PromQL text: a matcher on a label the metric does not have, or an aggregation
 * `by (…)` directly over one metric's rate/increase that groups by a label the metric does not have
 * (the reference's broken acquisition ratio was of that kind).
 */
export function labelProblems(expr: string): string[] {
  const problems: string[] = [];
  const known = (series: string) => resolveSeriesName(series);
  for (const m of expr.matchAll(/\b(actions_gateway_[a-z0-9_]+)\{([^}]*)\}/g)) {
    const metric = known(m[1]!);
    if (!metric) continue;
    for (const label of [...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!)) {
      if (!metric.labelNames.includes(label) && !scrapeLabels.includes(label)) {
        problems.push(`${m[1]} has no label "${label}"`);
      }
    }
  }
  const aggregation = /\bby\s*\(([^)]*)\)\s*\(\s*(?:rate|increase|irate)\(\s*(actions_gateway_[a-z0-9_]+)/g;
  for (const m of expr.matchAll(aggregation)) {
    const metric = known(m[2]!);
    if (!metric) continue;
    for (const label of m[1]!.split(',').map((l) => l.trim()).filter(Boolean)) {
      if (!metric.labelNames.includes(label) && !scrapeLabels.includes(label)) {
        problems.push(`sum by (${m[1]}) over ${m[2]}, which has no label "${label}"`);
      }
    }
  }
  return problems;
}
