/** Renders the metric catalogue as the Markdown table of `docs/metrics.md`. */
import { acquisitionTiers, metricCatalogue, type MetricDefinition } from './catalogue.js';

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function labelsCell(def: MetricDefinition): string {
  if (def.labelNames.length === 0) return '—';
  return def.labelNames
    .map((label) => {
      const domain = def.labelDomains?.[label];
      if (!domain) return `\`${label}\``;
      const fallback = domain.fallback ? `; unknown → \`${domain.fallback}\`` : '; unknown → rejected';
      return `\`${label}\` (${domain.values.map((v) => `\`${v}\``).join(', ')}${fallback})`;
    })
    .join(', ');
}

/** The whole generated document. `pnpm generate` writes it; a test fails when the file drifts. */
export function renderMetricsMarkdown(catalogue: readonly MetricDefinition[] = metricCatalogue): string {
  const lines = [
    '# Metrics',
    '',
    '<!-- Generated from packages/metrics/src/catalogue.ts by `pnpm generate`. Do not edit by hand. -->',
    '',
    'Every metric the product emits. The controllers (GMC and AGC) serve theirs on `:8080/metrics`; the egress',
    'proxy serves its own on `:8081/metrics`. Label values in parentheses are the only ones a metric takes.',
    '',
    'The Tiers column says which AGC acquisition tier (`spec.acquisitionProtocol`: `Classic` or `ScaleSet`)',
    'moves a metric; — for metrics no tier moves.',
    '',
    '| Metric | Type | Labels | Emitted by | Tiers | Description |',
    '|---|---|---|---|---|---|',
  ];
  for (const def of catalogue) {
    lines.push(
      `| \`${def.name}\` | ${def.type} | ${labelsCell(def)} | ${def.emittedBy.join(', ')} | ${def.tiers.length === 0 ? '—' : def.tiers.join(', ')} | ${escapeCell(def.help)} |`,
    );
  }
  for (const tier of acquisitionTiers) {
    lines.push('', `## Emitted on the ${tier} tier`, '');
    const own = catalogue.filter((d) => d.tiers.includes(tier));
    const not = catalogue.filter((d) => d.emittedBy.includes('agc') && !d.tiers.includes(tier));
    lines.push(own.map((d) => `\`${d.name}\``).join(', ') + '.');
    if (not.length > 0) lines.push('', `Not on this tier (nothing on it moves them): ${not.map((d) => `\`${d.name}\``).join(', ')}.`);
  }
  lines.push('', '## Histogram buckets', '');
  for (const def of catalogue) {
    if (!def.buckets) continue;
    lines.push(`- \`${def.name}\`: ${def.buckets.join(', ')}. ${def.bucketRationale ?? ''}`.trimEnd());
  }
  lines.push('');
  return lines.join('\n');
}
