import { describe, expect, it } from 'vitest';
import { acquisitionTiers, metricCatalogue, metricsOfTier, renderMetricsMarkdown, type MetricDefinition } from '../src/index.js';

const catalogue: readonly MetricDefinition[] = metricCatalogue;

describe('the per-tier emission catalogue', () => {
  it('only AGC metrics name a tier, and every AGC metric names at least one', () => {
    for (const def of catalogue) {
      if (def.emittedBy.includes('agc')) expect(def.tiers.length, def.name).toBeGreaterThan(0);
      else expect(def.tiers, def.name).toEqual([]);
    }
  });

  it('the scale-set tier emits every AGC metric except the classic-only agent, renew ones', () => {
    const classicOnly = catalogue.filter((d) => d.emittedBy.includes('agc') && !d.tiers.includes('scaleset')).map((d) => d.name);
    expect(classicOnly.sort()).toEqual(['actions_gateway_agent_recycle_errors_total', 'actions_gateway_agent_recycles_total', 'actions_gateway_renewjob_errors_total']);
    expect(metricsOfTier('scaleset').map((d) => d.name)).toContain('actions_gateway_active_sessions');
    expect(metricsOfTier('classic')).toHaveLength(catalogue.filter((d) => d.emittedBy.includes('agc')).length);
  });

  it('docs/metrics.md lists each tier and its metrics', () => {
    const doc = renderMetricsMarkdown();
    for (const tier of acquisitionTiers) {
      const section = doc.split(`## Emitted on the ${tier} tier`)[1]?.split('\n## ')[0] ?? '';
      for (const def of metricsOfTier(tier)) expect(section.split('Not on this tier')[0], `${tier}: ${def.name}`).toContain(`\`${def.name}\``);
    }
    expect(doc).toContain('| `actions_gateway_renewjob_errors_total` | counter | `namespace` | agc | classic |');
  });
});
