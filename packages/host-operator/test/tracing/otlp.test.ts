// startTracing against a real OTLP/gRPC receiver (testkit): what reaches the collector, from which env, and
// how shutdown flushes within its 5 s budget even when the collector is gone or black-holed.
import { createServer, type Server, type Socket } from 'node:net';
import { propagation, trace } from '@opentelemetry/api';
import { startOtlpReceiver, type OtlpReceiver } from '@actions-gateway/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, type TracingHandle } from '../../src/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  cleanups.push(() => r.close());
  return r;
}
function started(handle: TracingHandle): TracingHandle {
  cleanups.push(() => handle.shutdown());
  return handle;
}

/** A TCP listener that accepts and never answers: a collector that black-holes exports. */
async function blackHole(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => void sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('startTracing → OTLP/gRPC', () => {
  it('exports with service.name actions-gateway-agc, the build version and OTEL_RESOURCE_ATTRIBUTES, to the endpoint of the env it is given', async () => {
    const r = await receiver();
    // An injected env, not process.env: the exporter must still go to this endpoint.
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=ignored' };
    const handle = started(startTracing({ serviceName: 'actions-gateway-agc', serviceVersion: '1.2.3', env }));
    expect(handle.enabled).toBe(true);
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate', 'baggage']); // W3C tracecontext + baggage, registered with the provider
    trace.getTracer('t').startSpan('RunnerGroup.Reconcile', { attributes: { 'runnergroup.namespace': 'ci', 'runnergroup.name': 'linux' } }).end();
    await handle.shutdown();
    const [span] = r.spans();
    expect(span).toMatchObject({ name: 'RunnerGroup.Reconcile', parentSpanId: '', attributes: { 'runnergroup.namespace': 'ci', 'runnergroup.name': 'linux' } });
    expect(span?.resource).toMatchObject({ 'service.name': 'actions-gateway-agc', 'service.version': '1.2.3', 'deployment.environment': 'prod', 'telemetry.sdk.language': 'nodejs' });
  });

  it('OTEL_SERVICE_NAME overrides the default; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT wins over OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const r = await receiver();
    const other = await receiver();
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: r.endpoint, OTEL_EXPORTER_OTLP_ENDPOINT: other.endpoint, OTEL_SERVICE_NAME: 'my-agc' };
    const handle = started(startTracing({ serviceName: 'actions-gateway-agc', env }));
    trace.getTracer('t').startSpan('s').end();
    await handle.shutdown();
    expect(r.spans().map((s) => s.resource['service.name'])).toEqual(['my-agc']);
    expect(other.exportCalls()).toEqual({ accepted: 0, refused: 0 });
  });

  it('OTEL_SDK_DISABLED=true installs nothing even with an endpoint: spans do not record and nothing arrives', async () => {
    const r = await receiver();
    const handle = started(startTracing({ serviceName: 'actions-gateway-agc', env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint, OTEL_SDK_DISABLED: ' TRUE ' } }));
    expect(handle.enabled).toBe(false);
    const span = trace.getTracer('t').startSpan('s');
    expect(span.isRecording()).toBe(false);
    span.end();
    await handle.shutdown();
    expect(r.exportCalls()).toEqual({ accepted: 0, refused: 0 });
  });

  it('flushes spans still buffered in the batch processor on shutdown', async () => {
    const r = await receiver();
    const handle = started(startTracing({ serviceName: 'actions-gateway-agc', env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint } }));
    for (const name of ['a', 'b', 'c']) trace.getTracer('t').startSpan(name).end();
    expect(r.spans()).toEqual([]); // the batch processor holds them (5 s schedule)
    await handle.shutdown();
    expect(r.spans().map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('ends shutdown within the 5 s budget when the collector black-holes the export', async () => {
    const hole = await blackHole();
    cleanups.push(() => hole.close());
    const handle = started(startTracing({ serviceName: 'actions-gateway-agc', env: { OTEL_EXPORTER_OTLP_ENDPOINT: hole.endpoint } }));
    trace.getTracer('t').startSpan('lost').end();
    const start = Date.now();
    await handle.shutdown();
    expect(Date.now() - start).toBeLessThan(6_000);
  }, 15_000);

  it('ends shutdown promptly when the collector is down (connection refused)', async () => {
    const r = await startOtlpReceiver();
    await r.close();
    const handle = started(startTracing({ serviceName: 'actions-gateway-agc', env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint } }));
    trace.getTracer('t').startSpan('lost').end();
    const start = Date.now();
    await handle.shutdown();
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it('releases the global provider on shutdown, so a host started again in the same process traces to its own collector', async () => {
    const first = await receiver();
    const second = await receiver();
    const one = started(startTracing({ serviceName: 'one', env: { OTEL_EXPORTER_OTLP_ENDPOINT: first.endpoint } }));
    trace.getTracer('t').startSpan('first').end();
    await one.shutdown();
    expect(propagation.fields()).toEqual([]);
    const two = started(startTracing({ serviceName: 'two', env: { OTEL_EXPORTER_OTLP_ENDPOINT: second.endpoint } }));
    trace.getTracer('t').startSpan('second').end();
    await two.shutdown();
    expect(first.spans().map((s) => [s.name, s.resource['service.name']])).toEqual([['first', 'one']]);
    expect(second.spans().map((s) => [s.name, s.resource['service.name']])).toEqual([['second', 'two']]);
  });
});

describe('startTracing honours the OTEL_* it is given, as the SDK would', () => {
  it('a scheme-less endpoint is plaintext only with OTEL_EXPORTER_OTLP_TRACES_INSECURE=true (TLS otherwise)', async () => {
    const r = await receiver();
    const plain = started(startTracing({ serviceName: 'a', env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: r.address, OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true' } }));
    trace.getTracer('t').startSpan('plaintext').end();
    await plain.shutdown();
    expect(r.spans().map((s) => s.name)).toEqual(['plaintext']);

    const tls = started(startTracing({ serviceName: 'a', env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: r.address } }));
    trace.getTracer('t').startSpan('tls').end();
    await tls.shutdown(); // a TLS handshake against the plaintext receiver: no export is answered
    expect(r.exportCalls()).toEqual({ accepted: 1, refused: 0 });
  });

  it.each([
    [{ OTEL_TRACES_SAMPLER: 'always_off' }, 0],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, 0],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }, 3],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }, 3], // out of range → 1, as the SDK
    [{}, 3],
  ])('samples by %j', async (sampler, expected) => {
    const r = await receiver();
    const handle = started(startTracing({ serviceName: 'a', env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint, ...sampler } }));
    for (let i = 0; i < 3; i += 1) trace.getTracer('t').startSpan(`s${i}`).end();
    await handle.shutdown();
    expect(r.spans()).toHaveLength(expected);
  });

  it('exports on the OTEL_BSP_SCHEDULE_DELAY it is given, without waiting for shutdown', async () => {
    const r = await receiver();
    started(startTracing({ serviceName: 'a', env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint, OTEL_BSP_SCHEDULE_DELAY: '20' } }));
    trace.getTracer('t').startSpan('soon').end();
    await r.waitForSpans((s) => s.length === 1, 2_000); // the default schedule is 5 s
  });
});
