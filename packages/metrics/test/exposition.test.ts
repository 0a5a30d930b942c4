// renderExposition produces exactly the bytes prom-client's registry.metrics() produces.
import { Counter, Gauge, Histogram, Registry, type OpenMetricsContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, metricCatalogue, renderExposition } from '../src/index.js';

/** A controller registry with every label combination the catalogue allows, over a few runner groups. */
function populatedController(groups: number) {
  const metrics = createMetrics('controller', { buildInfo: { version: '1.0.0', component: 'agc' } });
  for (const namespace of ['team-a', 'team-b']) {
    for (const reason of metricCatalogue.find((m) => m.key === 'jobAcquisitionErrors')!.labelDomains.reason.values) {
      metrics.jobAcquisitionErrors.inc({ namespace, reason }, 2);
    }
    for (const reason of metricCatalogue.find((m) => m.key === 'messagePollErrors')!.labelDomains.reason.values) {
      metrics.messagePollErrors.inc({ namespace, reason });
    }
    for (const seconds of [0.2, 3, 15, 59.9, 60, 61, 1e6]) metrics.podCreationLatency.observe({ namespace }, seconds);
    metrics.tokenRefreshes.inc({ namespace }, 0.5);
    metrics.tokenRefreshErrors.inc({ namespace });
    metrics.renewJobErrors.inc({ namespace });
    metrics.ipRangeUpdates.inc({ namespace });
    for (let i = 0; i < groups; i++) {
      const labels = { namespace, runner_group: `group-${i}` };
      metrics.activeSessions.set(labels, i % 3);
      metrics.activeSessions.inc(labels);
      metrics.jobsAcquired.inc(labels, i);
      metrics.jobDuration.observe(labels, i * 97.5);
      metrics.evictionRetries.inc(labels);
      metrics.evictionRetriesExhausted.inc(labels);
      metrics.agentRecycleErrors.inc(labels);
      for (const reason of ['completed_ttl', 'pending_deadline'] as const) metrics.workerPodsReaped.inc({ ...labels, reason });
      for (const trigger of ['post_job', 'stale_session', 'startup', 'reconcile_repair'] as const) {
        metrics.agentRecycles.inc({ ...labels, trigger });
      }
    }
  }
  metrics.managedGateways.set(3);
  metrics.reconcileErrors.inc({ controller: 'agc', resource: 'runnergroup' });
  return metrics;
}

describe('renderExposition', () => {
  it('matches prom-client byte for byte on a populated controller registry', async () => {
    const { registry, activeSessions, jobsAcquired } = populatedController(25);
    const expected = await registry.metrics();
    expect(await renderExposition(registry)).toBe(expected);
    // Series that change, appear and disappear after a first render are rendered as prom-client does.
    activeSessions.set({ namespace: 'team-a', runner_group: 'group-1' }, 7);
    jobsAcquired.inc({ namespace: 'team-c', runner_group: 'new' });
    activeSessions.remove({ namespace: 'team-b', runner_group: 'group-2' });
    const after = await registry.metrics();
    expect(after).not.toBe(expected);
    expect(await renderExposition(registry)).toBe(after);
  });

  it('matches prom-client on the proxy registry and on empty registries', async () => {
    const proxy = createMetrics('proxy', { buildInfo: { version: '1.0.0', component: 'egress-proxy' } });
    expect(await renderExposition(proxy.registry)).toBe(await proxy.registry.metrics());
    proxy.proxyConnections.inc();
    proxy.proxyConnectionsActive.set(4);
    for (const seconds of [0.05, 1, 300, 21600, 50000]) proxy.proxyTunnelDuration.observe(seconds);
    expect(await renderExposition(proxy.registry)).toBe(await proxy.registry.metrics());
    const empty = new Registry();
    expect(await renderExposition(empty)).toBe(await empty.metrics());
    const controller = createMetrics('controller');
    expect(await renderExposition(controller.registry)).toBe(await controller.registry.metrics());
  });

  it('escapes label values and help text as prom-client does, and formats special numbers alike', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'c_total', help: 'back\\slash and\nnewline', labelNames: ['v'], registers: [registry] });
    counter.inc({ v: 'quote " back \\ newline \n end' });
    counter.inc({ v: 'plain' }, 1.5e-7);
    const gauge = new Gauge({ name: 'g', help: 'g', labelNames: ['n'], registers: [registry] });
    gauge.set({ n: 'nan' }, NaN);
    gauge.set({ n: 'inf' }, Infinity);
    gauge.set({ n: 'minus-inf' }, -Infinity);
    gauge.set({ n: 'big' }, 1e21);
    const histogram = new Histogram({ name: 'h', help: 'h', buckets: [0.001, 1, 2.5], registers: [registry] });
    histogram.observe(0.0005);
    histogram.observe(3);
    expect(await renderExposition(registry)).toBe(await registry.metrics());
  });

  it('falls back to prom-client for collect callbacks, default labels and OpenMetrics', async () => {
    const registry = new Registry();
    let collected = 0;
    new Gauge({
      name: 'collected',
      help: 'set on scrape',
      registers: [registry],
      collect() {
        collected += 1;
        this.set(collected);
      },
    });
    new Counter({ name: 'plain_total', help: 'plain', registers: [registry] }).inc();
    const ours = await renderExposition(registry);
    expect(ours).toContain('collected 1\n');
    expect(ours.replace('collected 1', 'collected 2')).toBe(await registry.metrics());

    const withDefaults = createMetrics('proxy');
    withDefaults.registry.setDefaultLabels({ pod: 'proxy-0' });
    withDefaults.proxyConnections.inc();
    expect(await renderExposition(withDefaults.registry)).toBe(await withDefaults.registry.metrics());
    expect(await renderExposition(withDefaults.registry)).toContain('actions_gateway_proxy_connections_total{pod="proxy-0"} 1');

    const open = new Registry<OpenMetricsContentType>();
    open.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    new Counter({ name: 'om_total', help: 'om', registers: [open] }).inc();
    expect(await renderExposition(open)).toBe(await open.metrics());
  });
});
