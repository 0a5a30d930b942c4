// The standard OTEL_* variables startTracing honours from the env it is given (not only process.env, which
// is all the SDK itself reads): endpoint, insecure, sampler, batch processor. Semantics as the OTel SDK for Node implements them.
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type BufferConfig, type Sampler } from '@opentelemetry/sdk-trace-node';

const value = (env: NodeJS.ProcessEnv, name: string): string | undefined => env[name]?.trim() || undefined;

/** The OTLP endpoint the env names; the traces-specific variable wins, as in the SDK. */
export function otlpEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  return value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
}

/**
 * The exporter url. An endpoint without a scheme gets `http://` when `OTEL_EXPORTER_OTLP_(TRACES_)INSECURE` is
 * true, else `https://` — the OTLP rule that insecure applies only to scheme-less gRPC endpoints (an `http://`
 * endpoint is plaintext and an `https://` one TLS whatever it says).
 */
export function otlpExporterUrl(env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = otlpEndpoint(env);
  if (endpoint === undefined || /^[\w]{1,8}:\/\//.test(endpoint)) return endpoint;
  const insecure = (value(env, 'OTEL_EXPORTER_OTLP_TRACES_INSECURE') ?? value(env, 'OTEL_EXPORTER_OTLP_INSECURE'))?.toLowerCase() === 'true';
  return `${insecure ? 'http' : 'https'}://${endpoint}`;
}

/** `OTEL_TRACES_SAMPLER_ARG` as a ratio; blank or outside [0, 1] → 1, as in the SDK. */
function ratio(env: NodeJS.ProcessEnv): number {
  const text = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  const n = text === undefined ? NaN : Number(text);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : 1;
}

/** `OTEL_TRACES_SAMPLER` (+ `_ARG`): the six SDK samplers; unset or unknown → `parentbased_always_on`, as in the SDK. */
export function samplerFromEnv(env: NodeJS.ProcessEnv): Sampler {
  switch (value(env, 'OTEL_TRACES_SAMPLER')) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio(env));
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio(env)) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** The batch processor's knobs the env sets (`OTEL_BSP_*`, positive integers); unset ones fall back to the SDK's reading. */
export function batchConfigFromEnv(env: NodeJS.ProcessEnv): BufferConfig {
  const knobs = { scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY', exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT', maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE', maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE' } as const;
  const config: { -readonly [K in keyof typeof knobs]?: number } = {};
  for (const [key, name] of Object.entries(knobs) as [keyof typeof knobs, string][]) {
    const text = value(env, name);
    const n = text === undefined ? NaN : Number(text);
    if (Number.isSafeInteger(n) && n > 0) config[key] = n;
  }
  return config;
}
