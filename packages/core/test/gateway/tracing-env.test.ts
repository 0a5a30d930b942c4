// spec.tracing → AGC env, over the seed's field table ("Enabling tracing on GMC-managed AGCs").
import { describe, expect, it } from 'vitest';
import { agcEnv, applyActionsGatewayDefaults, tracingEnv, type EnvVar, type TracingSpec } from '../../src/index.js';
import { sampleGateway } from './fixtures.js';

const otel = (env: readonly EnvVar[]): Array<[string, string | undefined]> =>
  env.filter((e) => e.name.startsWith('OTEL_')).map((e) => [e.name, e.value]);

const table: Array<{ row: string; tracing: TracingSpec | undefined; env: Array<[string, string]> }> = [
  { row: 'no tracing → no OTEL_* at all', tracing: undefined, env: [] },
  { row: 'empty endpoint → no OTEL_* at all, even with other fields', tracing: { endpoint: '', insecure: true, sampler: 'always_on', samplerArg: '0.5', resourceAttributes: { a: 'b' } }, env: [] },
  { row: 'endpoint → OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracing: { endpoint: 'https://otel-collector.observability:4317' }, env: [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'https://otel-collector.observability:4317']] },
  { row: 'insecure true → OTEL_EXPORTER_OTLP_TRACES_INSECURE=true', tracing: { endpoint: 'http://c:4317', insecure: true }, env: [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'http://c:4317'], ['OTEL_EXPORTER_OTLP_TRACES_INSECURE', 'true']] },
  { row: 'insecure false → nothing (TLS is the default)', tracing: { endpoint: 'e', insecure: false }, env: [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'e']] },
  { row: 'sampler → OTEL_TRACES_SAMPLER', tracing: { endpoint: 'e', sampler: 'parentbased_traceidratio' }, env: [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'e'], ['OTEL_TRACES_SAMPLER', 'parentbased_traceidratio']] },
  { row: 'samplerArg → OTEL_TRACES_SAMPLER_ARG', tracing: { endpoint: 'e', sampler: 'traceidratio', samplerArg: '0.1' }, env: [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'e'], ['OTEL_TRACES_SAMPLER', 'traceidratio'], ['OTEL_TRACES_SAMPLER_ARG', '0.1']] },
  {
    row: 'resourceAttributes → OTEL_RESOURCE_ATTRIBUTES sorted k=v joined by commas',
    tracing: { endpoint: 'e', resourceAttributes: { 'team': 'a', 'deployment.environment': 'prod', 'cloud.region': 'eu-west-1' } },
    env: [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'e'], ['OTEL_RESOURCE_ATTRIBUTES', 'cloud.region=eu-west-1,deployment.environment=prod,team=a']],
  },
  { row: 'empty resourceAttributes → nothing', tracing: { endpoint: 'e', resourceAttributes: {} }, env: [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'e']] },
  { row: 'separators inside attributes are percent-encoded', tracing: { endpoint: 'e', resourceAttributes: { k: 'a,b=c' } }, env: [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'e'], ['OTEL_RESOURCE_ATTRIBUTES', 'k=a%2Cb%3Dc']] },
  {
    row: 'the seed example, every field, in the documented order',
    tracing: { endpoint: 'https://otel-collector.observability:4317', insecure: true, sampler: 'parentbased_traceidratio', samplerArg: '0.1', resourceAttributes: { 'deployment.environment': 'prod' } },
    env: [
      ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'https://otel-collector.observability:4317'],
      ['OTEL_EXPORTER_OTLP_TRACES_INSECURE', 'true'],
      ['OTEL_TRACES_SAMPLER', 'parentbased_traceidratio'],
      ['OTEL_TRACES_SAMPLER_ARG', '0.1'],
      ['OTEL_RESOURCE_ATTRIBUTES', 'deployment.environment=prod'],
    ],
  },
];

describe('spec.tracing → AGC env', () => {
  for (const { row, tracing, env } of table) {
    it(row, () => {
      expect(otel(tracingEnv(tracing))).toEqual(env);
      const ag = applyActionsGatewayDefaults(sampleGateway((a) => (a.spec.tracing = tracing)));
      expect(otel(agcEnv(ag.spec, 'team-a'))).toEqual(env);
    });
  }

  it('never emits a headers variable', () => {
    const env = tracingEnv({ endpoint: 'e', sampler: 'always_on', resourceAttributes: { a: 'b' } });
    expect(env.some((e) => e.name.includes('HEADERS'))).toBe(false);
  });

  it('AGC_EXTRA_* comes last and wins over spec.tracing', () => {
    const ag = applyActionsGatewayDefaults(sampleGateway((a) => (a.spec.tracing = { endpoint: 'from-spec', sampler: 'always_on' })));
    const env = agcEnv(ag.spec, 'team-a', [{ name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', value: 'from-extra' }, { name: 'FOO', value: 'bar' }]);
    expect(env.slice(-2)).toEqual([{ name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', value: 'from-extra' }, { name: 'FOO', value: 'bar' }]);
    expect(env.filter((e) => e.name === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')).toHaveLength(1);
    expect(otel(env)).toEqual([['OTEL_TRACES_SAMPLER', 'always_on'], ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'from-extra']]);
  });
});
