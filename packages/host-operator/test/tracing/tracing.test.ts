import { trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { startTracing, tracingEnabled } from '../../src/index.js';

describe('tracing', () => {
  it('is on only with an OTLP endpoint and without OTEL_SDK_DISABLED=true', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4317' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(startTracing({ serviceName: 'actions-gateway-agc', env: {} }).enabled).toBe(false);
  });

  it('exports spans with the host service.name and env attributes, and flushes on shutdown', async () => {
    // Records what the batch processor hands over; InMemorySpanExporter forgets spans on shutdown.
    const exported: ReadableSpan[] = [];
    const exporter: SpanExporter = {
      export: (spans, done) => {
        exported.push(...spans);
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
    };
    const handle = startTracing({
      serviceName: 'actions-gateway-agc',
      serviceVersion: '1.2.3',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=ignored' },
      exporter,
    });
    expect(handle.enabled).toBe(true);
    trace.getTracer('test').startSpan('RunnerGroup.Reconcile').end();
    await handle.shutdown(5000);
    const [span] = exported;
    expect(span?.name).toBe('RunnerGroup.Reconcile');
    expect(span?.resource.attributes).toMatchObject({
      'service.name': 'actions-gateway-agc',
      'service.version': '1.2.3',
      'deployment.environment': 'prod',
    });
  });
});
