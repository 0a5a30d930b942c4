/**
 * OpenTelemetry wiring for the hosts. Tracing is on only when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set and `OTEL_SDK_DISABLED` is not `true`; then spans go through a
 * BatchSpanProcessor to the OTLP/gRPC exporter, and the provider registers W3C tracecontext + baggage
 * propagators. Endpoint, insecure, sampler and `OTEL_BSP_*` come from the env given to {@link startTracing}
 * (`otel-env.ts`); the SDK reads its other standard knobs (headers, timeout, certificates, span limits)
 * from `process.env` itself, which is that env in the hosts' bins. Off, nothing is
 * installed and `@opentelemetry/api` spans stay no-ops.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { batchConfigFromEnv, otlpEndpoint, otlpExporterUrl, samplerFromEnv } from './otel-env.js';

/** What {@link startTracing} returns. */
export interface TracingHandle {
  /** Whether an exporter was installed. */
  readonly enabled: boolean;
  /** Flushes buffered spans and shuts the exporter down, within `budgetMs` (5 s). Never throws. */
  shutdown(budgetMs?: number): Promise<void>;
}

/** How tracing is started. */
export interface TracingOptions {
  /** The default `service.name`, e.g. `actions-gateway-agc`; `OTEL_SERVICE_NAME` overrides it. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** The environment to read; `process.env` when absent. */
  readonly env?: NodeJS.ProcessEnv;
  /** An exporter to use instead of OTLP/gRPC (embedding, tests). */
  readonly exporter?: SpanExporter;
}

/** True when the env asks for tracing. */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') return false;
  return otlpEndpoint(env) !== undefined;
}

/** Parses `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`, values percent-encoded); malformed pairs are skipped. */
export function parseResourceAttributes(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      // a malformed escape drops only that pair
    }
  }
  return out;
}

const disabled: TracingHandle = { enabled: false, shutdown: () => Promise.resolve() };

/**
 * Installs the global tracer provider when the env enables tracing. Resource: SDK defaults, then
 * `OTEL_RESOURCE_ATTRIBUTES`, then the host's own `service.name` (unless `OTEL_SERVICE_NAME` is set)
 * and `service.version`, which take precedence over the attributes.
 */
export function startTracing(options: TracingOptions): TracingHandle {
  const env = options.env ?? process.env;
  if (!tracingEnabled(env)) return disabled;
  const fromEnv = resourceFromAttributes(parseResourceAttributes(env['OTEL_RESOURCE_ATTRIBUTES']));
  const own: Record<string, string> = { 'service.name': env['OTEL_SERVICE_NAME']?.trim() || options.serviceName };
  if (options.serviceVersion) own['service.version'] = options.serviceVersion;
  const resource = defaultResource().merge(fromEnv).merge(resourceFromAttributes(own));
  // Passed explicitly so an injected env (in-process hosts, tests) is honoured: the SDK alone reads process.env.
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: otlpExporterUrl(env) });
  const provider = new NodeTracerProvider({ resource, sampler: samplerFromEnv(env), spanProcessors: [new BatchSpanProcessor(exporter, batchConfigFromEnv(env))] });
  provider.register();
  // Only the first registration in a process takes; remember whether it was ours so shutdown releases it
  // and a later startTracing in the same process (in-process hosts started again) can register its own.
  const registered = (trace.getTracerProvider() as { getDelegate?: () => unknown }).getDelegate?.() === provider;
  let shutdown: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: (budgetMs = 5000) =>
      (shutdown ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, budgetMs);
          timer.unref();
        });
        await Promise.race([provider.shutdown().catch(() => undefined), timeout]);
        clearTimeout(timer);
        if (registered) {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })()),
  };
}
