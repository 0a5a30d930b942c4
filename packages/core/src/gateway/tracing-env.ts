// spec.tracing → the AGC's OTEL_* env, exactly as the seed's table says.
import type { EnvVar } from '../api/kube-types.js';
import type { TracingSpec } from '../api/types.js';

/** Env names the translation can set, in the order it sets them. */
export const TRACING_ENV = {
  endpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  insecure: 'OTEL_EXPORTER_OTLP_TRACES_INSECURE',
  sampler: 'OTEL_TRACES_SAMPLER',
  samplerArg: 'OTEL_TRACES_SAMPLER_ARG',
  resourceAttributes: 'OTEL_RESOURCE_ATTRIBUTES',
} as const;

/** Percent-encodes the characters that would break the `k=v,k=v` list (the OTel SDKs decode them). */
function encodeAttribute(text: string): string {
  return text.replace(/[%,=\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** `OTEL_RESOURCE_ATTRIBUTES`: `k=v` pairs sorted by key, joined by commas. */
export function renderResourceAttributes(attributes: Readonly<Record<string, string>>): string {
  return Object.keys(attributes)
    .sort()
    .map((k) => `${encodeAttribute(k)}=${encodeAttribute(attributes[k] ?? '')}`)
    .join(',');
}

/**
 * The OTEL_* env for `tracing`. No endpoint → no OTEL_* at all (tracing stays off). Otherwise, in order:
 * endpoint; insecure only when true; sampler and samplerArg when set; resource attributes when non-empty.
 * There is deliberately no headers variable: they can carry tokens, and secrets stay out of env.
 */
export function tracingEnv(tracing: TracingSpec | undefined): EnvVar[] {
  if (!tracing?.endpoint) return [];
  const env: EnvVar[] = [{ name: TRACING_ENV.endpoint, value: tracing.endpoint }];
  if (tracing.insecure === true) env.push({ name: TRACING_ENV.insecure, value: 'true' });
  if (tracing.sampler) env.push({ name: TRACING_ENV.sampler, value: tracing.sampler });
  if (tracing.samplerArg !== undefined && tracing.samplerArg !== '') env.push({ name: TRACING_ENV.samplerArg, value: tracing.samplerArg });
  const attributes = tracing.resourceAttributes ?? {};
  if (Object.keys(attributes).length > 0) env.push({ name: TRACING_ENV.resourceAttributes, value: renderResourceAttributes(attributes) });
  return env;
}
