import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueFor, createMetrics, metricCatalogue as catalogue, type MetricDefinition } from '../src/index.js';
import { readSeedMetrics, seedPath, sharedSeedExists, sharedSeedPath } from './seed.js';

const metricCatalogue: readonly MetricDefinition[] = catalogue;
const seed = readSeedMetrics();
const shape = (m: { name: string; type: string; labelNames: readonly string[] }) => ({
  name: m.name,
  type: m.type,
  labelNames: [...m.labelNames],
});
const byName = <T extends { name: string }>(list: readonly T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));

describe('the metric catalogue against the user reference', () => {
  it('reads 17 controller and 4 proxy metrics from the reference', () => {
    expect(seed.controller).toHaveLength(17);
    expect(seed.proxy).toHaveLength(4);
  });

  it('the committed copy of the reference matches the shared one when it is present', () => {
    if (!sharedSeedExists()) return;
    expect(readFileSync(seedPath, 'utf8')).toBe(readFileSync(sharedSeedPath, 'utf8'));
  });

  it('registers exactly the reference controller set plus build_info (names, types, label names)', async () => {
    const metrics = createMetrics('controller');
    const registered = (await metrics.registry.getMetricsAsJSON()).map((m) => ({
      name: m.name,
      type: String(m.type),
      labelNames: catalogueFor('controller').find((d) => d.name === m.name)?.labelNames ?? [],
    }));
    const expected = [...seed.controller.map(shape), { name: 'actions_gateway_build_info', type: 'gauge', labelNames: ['version', 'component'] }];
    expect(byName(registered.map(shape))).toEqual(byName(expected));
  });

  it('registers exactly the reference proxy set plus build_info', async () => {
    const metrics = createMetrics('proxy');
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([...seed.proxy.map((m) => m.name), 'actions_gateway_build_info'].sort());
    for (const m of seed.proxy) {
      expect(shape(metricCatalogue.find((d) => d.name === m.name)!)).toEqual(shape(m));
    }
  });

  it('label names on the wire are the catalogue ones', async () => {
    const metrics = createMetrics('controller');
    metrics.workerPodsReaped.inc({ namespace: 'ns', runner_group: 'rg', reason: 'completed_ttl' });
    const text = await metrics.registry.getSingleMetricAsString('actions_gateway_worker_pods_reaped_total');
    expect(text).toContain('actions_gateway_worker_pods_reaped_total{namespace="ns",runner_group="rg",reason="completed_ttl"} 1');
  });

  it('help text is the reference description', () => {
    for (const m of [...seed.controller, ...seed.proxy]) {
      expect(metricCatalogue.find((d) => d.name === m.name)?.help).toBe(m.description);
    }
  });

  it('the controller and proxy subsets do not overlap beyond the shared build_info', () => {
    const controller = new Set(catalogueFor('controller').filter((d) => d.component !== 'shared').map((d) => d.name));
    const proxy = catalogueFor('proxy').filter((d) => d.component !== 'shared').map((d) => d.name);
    expect(proxy.filter((n) => controller.has(n))).toEqual([]);
    expect(catalogueFor('proxy').filter((d) => d.component === 'shared').map((d) => d.name)).toEqual(['actions_gateway_build_info']);
  });

  it('handle keys and names are unique', () => {
    expect(new Set(metricCatalogue.map((d) => d.key)).size).toBe(metricCatalogue.length);
    expect(new Set(metricCatalogue.map((d) => d.name)).size).toBe(metricCatalogue.length);
  });
});

describe('histogram buckets', () => {
  const buckets = (name: string) => metricCatalogue.find((d) => d.name === name)?.buckets ?? [];

  it('pod_creation_latency_seconds has edges at exactly the 15 s and 60 s SLO lines', () => {
    expect(buckets('actions_gateway_pod_creation_latency_seconds')).toEqual(expect.arrayContaining([15, 60]));
  });

  it('proxy_tunnel_duration_seconds reaches the 6 h lifetime cap', () => {
    expect(Math.max(...buckets('actions_gateway_proxy_tunnel_duration_seconds'))).toBe(21600);
  });

  it('job_duration_seconds reaches 6 h', () => {
    expect(Math.max(...buckets('actions_gateway_job_duration_seconds'))).toBeGreaterThanOrEqual(6 * 3600);
  });

  it('every histogram has ascending buckets and a written rationale', () => {
    for (const def of metricCatalogue) {
      if (def.type !== 'histogram') continue;
      const list = def.buckets ?? [];
      expect(list.length, def.name).toBeGreaterThan(1);
      expect([...list].sort((a, b) => a - b)).toEqual([...list]);
      expect(def.bucketRationale, def.name).toBeTruthy();
    }
  });

  it('observations land in the right bucket on the wire', async () => {
    const metrics = createMetrics('controller');
    metrics.podCreationLatency.observe({ namespace: 'ns' }, 14.9);
    const text = await metrics.registry.getSingleMetricAsString('actions_gateway_pod_creation_latency_seconds');
    expect(text).toContain('actions_gateway_pod_creation_latency_seconds_bucket{le="15",namespace="ns"} 1');
    expect(text).toContain('actions_gateway_pod_creation_latency_seconds_bucket{le="10",namespace="ns"} 0');
  });
});
