// Every metric the rules and the dashboard read exists in the catalogue with the labels they use, and
// every recording-rule name the dashboard and alerts read is recorded.
import { describe, expect, it } from 'vitest';
import { labelProblems, recordedNames, resolveSeriesName, seriesNames } from './promql-names.js';
import { alertRules, dashboardExpressions, recordingRules } from './support.js';

const sources = (): Array<{ where: string; expr: string }> => [
  ...alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ...recordingRules().map((r) => ({ where: `record ${r.record}`, expr: r.expr })),
  ...dashboardExpressions().map((d) => ({ where: `panel "${d.panel}"`, expr: d.expr })),
];

describe('metric names in rules and dashboard', () => {
  it('resolve to catalogue entries (histogram suffixes included)', () => {
    const unknown = sources().flatMap(({ where, expr }) =>
      seriesNames(expr)
        .filter((name) => !resolveSeriesName(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('use only labels the metrics have', () => {
    expect(sources().flatMap(({ where, expr }) => labelProblems(expr).map((p) => `${where}: ${p}`))).toEqual([]);
  });

  it('read only recording rules that recording-rules.yaml defines', () => {
    const recorded = new Set(recordingRules().map((r) => r.record));
    const missing = sources().flatMap(({ where, expr }) =>
      recordedNames(expr)
        .filter((name) => !recorded.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('catches what it claims to: unknown names, histogram suffixes on non-histograms, wrong labels', () => {
    expect(resolveSeriesName('actions_gateway_jobs_acquired')).toBeUndefined();
    expect(resolveSeriesName('actions_gateway_jobs_acquired_total_bucket')).toBeUndefined();
    expect(resolveSeriesName('actions_gateway_job_duration_seconds_bucket')?.labelNames).toContain('le');
    expect(resolveSeriesName('actions_gateway_job_duration_seconds_count')?.metric).toBe('actions_gateway_job_duration_seconds');
    // The reference's original acquisition ratio, which grouped the error counter by runner_group.
    const seedRatio = `sum by (namespace, runner_group) (rate(actions_gateway_jobs_acquired_total[5m]))
      / (sum by (namespace, runner_group) (rate(actions_gateway_jobs_acquired_total[5m]))
      + sum by (namespace, runner_group) (rate(actions_gateway_job_acquisition_errors_total[5m])))`;
    expect(labelProblems(seedRatio)).toEqual([
      'sum by (namespace, runner_group) over actions_gateway_job_acquisition_errors_total, which has no label "runner_group"',
    ]);
    expect(labelProblems('rate(actions_gateway_renewjob_errors_total{runner_group="x"}[5m])')).toEqual([
      'actions_gateway_renewjob_errors_total has no label "runner_group"',
    ]);
  });
});
