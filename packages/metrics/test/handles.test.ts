import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/index.js';

const value = async (registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = (metric?.values ?? []).find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return sample?.value;
};

describe('typed handles', () => {
  it('register on the registry they are given and set build_info', async () => {
    const registry = new Registry();
    const metrics = createMetrics('proxy', { registry, buildInfo: { version: '1.2.3', component: 'egress-proxy' } });
    expect(metrics.registry).toBe(registry);
    metrics.proxyConnections.inc();
    metrics.proxyConnectionsActive.inc();
    metrics.proxyTunnelDuration.observe(3);
    expect(await value(registry, 'actions_gateway_proxy_connections_total', {})).toBe(1);
    expect(await value(registry, 'actions_gateway_build_info', { version: '1.2.3', component: 'egress-proxy' })).toBe(1);
  });

  it('reject, at compile time, a label value outside the union', () => {
    const metrics = createMetrics('controller');
    // @ts-expect-error 'evicted' is not a reaper reason
    expect(() => metrics.workerPodsReaped.inc({ namespace: 'ns', runner_group: 'rg', reason: 'evicted' })).toThrow();
    // @ts-expect-error the label set is incomplete
    expect(() => metrics.jobsAcquired.inc({ namespace: 'ns' })).toThrow();
  });

  it('count an untyped caller unknown reason under other where the reference has other', async () => {
    const metrics = createMetrics('controller');
    const untyped = metrics.messagePollErrors as unknown as { inc(labels: Record<string, string>): void };
    untyped.inc({ namespace: 'ns', reason: 'connection_reset' });
    expect(await value(metrics.registry, 'actions_gateway_message_poll_errors_total', { reason: 'other' })).toBe(1);

    const acquisition = metrics.jobAcquisitionErrors as unknown as { inc(labels: Record<string, string>): void };
    acquisition.inc({ namespace: 'ns', reason: '422' });
    expect(await value(metrics.registry, 'actions_gateway_job_acquisition_errors_total', { reason: 'other' })).toBe(1);
  });

  it('reject an unknown value with an error naming the metric and the label where there is no other', () => {
    const metrics = createMetrics('controller');
    const recycles = metrics.agentRecycles as unknown as { inc(labels: Record<string, string>): void };
    expect(() => recycles.inc({ namespace: 'ns', runner_group: 'rg', trigger: 'manual' })).toThrow(
      /actions_gateway_agent_recycles_total: label "trigger" has value "manual"/,
    );
  });

  it('reject missing, empty, extra labels and non-numeric values with the metric name', () => {
    const metrics = createMetrics('controller');
    const untyped = metrics.jobsAcquired as unknown as { inc(...args: unknown[]): void };
    expect(() => untyped.inc({ namespace: 'ns', runner_group: '' })).toThrow(/jobs_acquired_total: label "runner_group"/);
    expect(() => untyped.inc({ namespace: 'ns', runner_group: 'a', pod: 'x' })).toThrow(/unknown label\(s\) pod/);
    expect(() => untyped.inc(undefined)).toThrow(/jobs_acquired_total: expected labels/);
    expect(() => untyped.inc({ namespace: 'ns', runner_group: 'a' }, 'two')).toThrow(/value must be a number/);
    const gauge = metrics.activeSessions as unknown as { set(...args: unknown[]): void };
    expect(() => gauge.set({ namespace: 'ns', runner_group: 'a' })).toThrow(/value must be a number/);
  });

  it('gauges go up and down and series can be removed', async () => {
    const metrics = createMetrics('controller');
    const labels = { namespace: 'ns', runner_group: 'rg' } as const;
    metrics.activeSessions.inc(labels);
    metrics.activeSessions.inc(labels, 2);
    metrics.activeSessions.dec(labels);
    expect(await value(metrics.registry, 'actions_gateway_active_sessions', labels)).toBe(2);
    metrics.activeSessions.remove(labels);
    expect(await value(metrics.registry, 'actions_gateway_active_sessions', labels)).toBeUndefined();
  });

  it('two registries do not share state', async () => {
    const a = createMetrics('controller');
    const b = createMetrics('controller');
    a.managedGateways.set(3);
    expect(await value(b.registry, 'actions_gateway_managed_gateways', {})).toBe(0);
  });
});
