// The agc's spans: none without an OTLP endpoint (or with OTEL_SDK_DISABLED=true); with one, a
// RunnerGroup.Reconcile root span per reconcile with runnergroup.namespace/name, error status when the
// reconcile fails (counted in reconcile_errors_total{controller="agc"}), flushed on shutdown,
// service.name actions-gateway-agc. (The OTLP/gRPC receiver test belongs to helper/otlp.)
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAgc, type AgcProcess } from '../../../src/agc/main.js';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from './agc-env.js';
import { recordingTier } from './test-tier.js';

let env: AgcEnv;
let agc: AgcProcess | undefined;
beforeEach(async () => {
  env = await startAgcEnv();
});
afterEach(async () => {
  await agc?.shutdown();
  agc = undefined;
  await env.close();
});

function recorder(): { exporter: SpanExporter; spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    exporter: {
      export: (batch, done) => {
        spans.push(...batch);
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
    },
  };
}

async function runOnce(extraEnv: Record<string, string>): Promise<{ spans: ReadableSpan[]; running: AgcProcess }> {
  const { exporter, spans } = recorder();
  const started = await startAgc(env.args(), env.env(extraEnv), { tiers: { Classic: recordingTier().factory }, spanExporter: exporter, logDestination: env.logStream });
  if ('help' in started) throw new Error('help');
  agc = started;
  await env.objects.create(runnerGroup(env.namespace, 'linux'));
  await eventually(async () => {
    const rg = (await env.custom.getNamespacedCustomObject({ group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups', namespace: env.namespace, name: 'linux' })) as { status?: { observedGeneration?: number } };
    return rg.status?.observedGeneration === 1;
  }, 'reconciled');
  return { spans, running: started };
}

// Off cases first: the global tracer provider can be registered once per process.
it('records nothing without an endpoint, or when OTEL_SDK_DISABLED=true', async () => {
  const off = await runOnce({});
  await off.running.shutdown();
  expect(off.spans).toEqual([]);
  agc = undefined;
  await env.close();
  env = await startAgcEnv();
  const disabled = await runOnce({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_SDK_DISABLED: 'true' });
  await disabled.running.shutdown();
  expect(disabled.spans).toEqual([]);
});

it('emits RunnerGroup.Reconcile per reconcile, marks failed ones, and flushes on shutdown', async () => {
  const { spans, running } = await runOnce({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4317', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' });
  // The next status write fails once: that reconcile errors, is retried, and succeeds.
  env.server.faults.inject({ verb: 'patch', resource: 'runnergroups/status', error: 500, count: 1 });
  await env.custom.patchNamespacedCustomObject({ group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups', namespace: env.namespace, name: 'linux', body: [{ op: 'add', path: '/spec/maxListeners', value: 2 }] });
  await eventually(async () => (await running.registry.metrics()).includes('actions_gateway_reconcile_errors_total{controller="agc",resource="runnergroup"} 1'), 'reconcile error counted');
  await running.shutdown();
  agc = undefined;
  const reconciles = spans.filter((s) => s.name === 'RunnerGroup.Reconcile');
  expect(reconciles.length).toBeGreaterThanOrEqual(3);
  for (const s of reconciles) {
    expect(s.attributes).toMatchObject({ 'runnergroup.namespace': env.namespace, 'runnergroup.name': 'linux' });
    expect(s.parentSpanContext?.spanId).toBeUndefined(); // each reconcile is its own root
  }
  expect(reconciles.filter((s) => s.status.code === SpanStatusCode.ERROR)).toHaveLength(1);
  expect(reconciles[0]!.resource.attributes).toMatchObject({ 'service.name': 'actions-gateway-agc', 'service.version': '0.1.0', 'deployment.environment': 'test' });
});
