// The OTLP receiver against the real SDK and the real OTLP/gRPC exporter: spans decode exactly, failures
// are answered as told, bad bytes never break it.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BatchSpanProcessor, NodeTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/index.js';
import { otlpProvider } from './provider.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});
async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  opened.push(r);
  return r;
}
/** What a flush failed with (the provider rejects with one error per span processor). */
const flushErrors = (provider: NodeTracerProvider): Promise<unknown> => provider.forceFlush().then(() => [], (errors: unknown) => errors);
const nanos = ([s, ns]: readonly [number, number]): string => (BigInt(s) * 1_000_000_000n + BigInt(ns)).toString();

describe('startOtlpReceiver', () => {
  it('decodes what the OTLP/gRPC exporter sends, exactly', async () => {
    const r = await receiver();
    expect(r.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const provider = otlpProvider(r.endpoint, 'receiver-test');
    opened.push({ close: () => provider.shutdown() });
    const tracer = provider.getTracer('scope-a', '1.2.3');

    const root = tracer.startSpan('Provisioner.provision', {
      attributes: { 'runnergroup.name': 'linux', active_pods: 3, duration_seconds: 1.5, 'ceiling.held': false, labels: ['self-hosted', 'linux'] },
    });
    const child = tracer.startSpan('createPod', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, root));
    child.recordException(new Error('quota refused'));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'quota refused' });
    child.end();
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
    await provider.forceFlush();

    const spans = await r.waitForSpans((s) => s.length === 2, 5_000);
    const [c, p] = spans;
    const rootRead = root as unknown as ReadableSpan;
    const childRead = child as unknown as ReadableSpan;
    expect(p).toEqual({
      traceId: root.spanContext().traceId,
      spanId: root.spanContext().spanId,
      parentSpanId: '',
      name: 'Provisioner.provision',
      kind: 'internal',
      attributes: { 'runnergroup.name': 'linux', active_pods: 3, duration_seconds: 1.5, 'ceiling.held': false, labels: ['self-hosted', 'linux'] },
      status: { code: 'ok', message: '' },
      events: [],
      resource: expect.objectContaining({ 'service.name': 'receiver-test' }) as unknown,
      scope: { name: 'scope-a', version: '1.2.3' },
      startTimeUnixNano: nanos(rootRead.startTime),
      endTimeUnixNano: nanos(rootRead.endTime),
    });
    expect(c).toMatchObject({
      traceId: root.spanContext().traceId,
      spanId: child.spanContext().spanId,
      parentSpanId: root.spanContext().spanId,
      name: 'createPod',
      kind: 'client',
      attributes: {},
      status: { code: 'error', message: 'quota refused' },
      startTimeUnixNano: nanos(childRead.startTime),
    });
    expect(c?.events).toEqual([
      { name: 'exception', timeUnixNano: nanos(childRead.events[0]!.time), attributes: expect.objectContaining({ 'exception.type': 'Error', 'exception.message': 'quota refused' }) as unknown },
    ]);
    expect(r.exportCalls()).toEqual({ accepted: 1, refused: 0 });
  });

  // The JS OTLP/gRPC exporter (0.223) does not retry a refused export: the batch is dropped and the flush
  // rejects with the gRPC status; later batches go through once the collector accepts again.
  it('answers UNAVAILABLE for the given number of exports, then accepts again', async () => {
    const r = await receiver();
    const provider = otlpProvider(r.endpoint);
    opened.push({ close: () => provider.shutdown() });
    r.fail({ times: 1 });
    provider.getTracer('t').startSpan('refused').end();
    expect(await flushErrors(provider)).toMatchObject([{ code: 14, details: 'the test receiver was told to fail' }]);
    provider.getTracer('t').startSpan('accepted').end();
    await provider.forceFlush();
    expect(r.spans().map((s) => s.name)).toEqual(['accepted']);
    expect(r.exportCalls()).toEqual({ accepted: 1, refused: 1 });
  });

  it('keeps refusing with the given code until recover()', async () => {
    const r = await receiver();
    const provider = otlpProvider(r.endpoint);
    opened.push({ close: () => provider.shutdown() });
    r.fail({ code: 'RESOURCE_EXHAUSTED', message: 'over quota' });
    for (const name of ['a', 'b']) {
      provider.getTracer('t').startSpan(name).end();
      expect(await flushErrors(provider)).toMatchObject([{ code: 8, details: 'over quota' }]);
    }
    r.recover();
    provider.getTracer('t').startSpan('kept').end();
    await provider.forceFlush();
    expect(r.spans().map((s) => s.name)).toEqual(['kept']);
    expect(r.exportCalls()).toEqual({ accepted: 1, refused: 2 });
    r.clear();
    expect([r.spans(), r.exportCalls()]).toEqual([[], { accepted: 0, refused: 0 }]);
  });

  // CompressionAlgorithm.GZIP: the enum lives in @opentelemetry/otlp-exporter-base, not a dependency here.
  const gzip = 'gzip' as NonNullable<NonNullable<ConstructorParameters<typeof OTLPTraceExporter>[0]>['compression']>;
  it('accepts gzip-compressed exports', async () => {
    const r = await receiver();
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: r.endpoint, compression: gzip }))] });
    opened.push({ close: () => provider.shutdown() });
    provider.getTracer('t').startSpan('zipped', { attributes: { note: 'x'.repeat(2_000) } }).end();
    await provider.forceFlush();
    expect(r.spans().map((s) => [s.name, s.attributes['note']])).toEqual([['zipped', 'x'.repeat(2_000)]]);
  });

  it('rejects a wait whose predicate throws, on the next export', async () => {
    const r = await receiver();
    const provider = otlpProvider(r.endpoint);
    opened.push({ close: () => provider.shutdown() });
    const outcome = r.waitForSpans((s) => s.length > 0 && (s[0]!.attributes as { missing: { x: number } }).missing.x > 0).then(() => 'resolved', (err: unknown) => err);
    provider.getTracer('t').startSpan('s').end();
    await provider.forceFlush();
    expect(await outcome).toBeInstanceOf(TypeError);
    expect(r.spans()).toHaveLength(1); // the export itself was accepted
  });

  it('waitForSpans names what arrived when it times out, and rejects when the receiver closes', async () => {
    const r = await startOtlpReceiver();
    await expect(r.waitForSpans((s) => s.length > 0, 50)).rejects.toThrow('no matching spans at the OTLP receiver within 50 ms; received 0: []');
    const pending = r.waitForSpans(() => false, 60_000);
    await r.close();
    await expect(pending).rejects.toThrow('closed before the spans arrived');
    await expect(r.waitForSpans(() => false)).rejects.toThrow('closed');
  });

  it('a closed receiver refuses connections; a new one on the same port brings the collector back', async () => {
    const first = await startOtlpReceiver();
    await first.close();
    const provider = otlpProvider(first.endpoint);
    opened.push({ close: () => provider.shutdown() });
    const second = await startOtlpReceiver({ port: first.port });
    opened.push(second);
    provider.getTracer('t').startSpan('after-restart').end();
    await provider.forceFlush();
    await second.waitForSpans((s) => s.some((x) => x.name === 'after-restart'), 10_000);
  });

  it('answers bytes that are not an ExportTraceServiceRequest with an error, and keeps serving', async () => {
    const r = await receiver();
    const grpc = await import('@grpc/grpc-js');
    const client = new grpc.Client(r.address, grpc.credentials.createInsecure());
    opened.push({ close: () => Promise.resolve(client.close()) });
    const identity = (b: Buffer): Buffer => b;
    const error = await new Promise<{ code?: number } | null>((resolve) => {
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', identity, identity, Buffer.from([0x0a, 0xff, 0xff, 0xff]), (err) => resolve(err));
    });
    expect(error?.code).toBe(grpc.status.INTERNAL);
    const provider = otlpProvider(r.endpoint);
    opened.push({ close: () => provider.shutdown() });
    provider.getTracer('t').startSpan('still-here', { attributes: { big: 2 ** 53 + 2 } }).end();
    await provider.forceFlush();
    const [span] = await r.waitForSpans((s) => s.length === 1);
    expect(span?.attributes).toEqual({ big: BigInt('9007199254740994') }); // an int64 past 2^53 stays exact
  });

  it('refuses a non-loopback host and a bad port, naming the option', async () => {
    await expect(startOtlpReceiver({ host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow('host must be 127.0.0.1 or ::1 (loopback only), got "0.0.0.0"');
    await expect(startOtlpReceiver({ port: 70_000 })).rejects.toThrow('port must be an integer from 0 to 65535, got 70000');
    await expect(startOtlpReceiver().then((r) => (opened.push(r), r.fail({ times: 0 })))).rejects.toThrow('times must be a positive integer, got 0');
  });
});

describe('startOtlpReceiver({ tls: true })', () => {
  it('serves TLS: an exporter trusting its CA delivers, a plaintext one does not', async () => {
    const r = await startOtlpReceiver({ tls: true });
    opened.push(r);
    expect(r.endpoint).toBe(`https://${r.address}`);
    const grpc = await import('@grpc/grpc-js');
    const trusted = new NodeTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: r.endpoint, credentials: grpc.credentials.createSsl(Buffer.from(r.caPem!)) }))],
    });
    opened.push({ close: () => trusted.shutdown() });
    trusted.getTracer('t').startSpan('over-tls').end();
    await trusted.forceFlush();
    expect(r.spans().map((s) => s.name)).toEqual(['over-tls']);

    const plaintext = otlpProvider(`http://${r.address}`);
    opened.push({ close: () => plaintext.shutdown() });
    plaintext.getTracer('t').startSpan('plaintext').end();
    expect(await flushErrors(plaintext)).toMatchObject([{ code: 14 }]);
    expect(r.exportCalls()).toEqual({ accepted: 1, refused: 0 });
  });
});
