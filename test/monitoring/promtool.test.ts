// The rule files are valid Prometheus rules, and behave as their unit tests (tests/*.test.yaml) pin:
// every alert fires on one series at the right time and stays quiet on another; every recording rule
// evaluates to the expected value.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertRules, monitoringDir, promtool, readYaml } from './support.js';

const unitTestFiles = readdirSync(join(monitoringDir, 'tests'))
  .filter((f) => f.endsWith('.test.yaml'))
  .map((f) => join('deploy/monitoring/tests', f));

describe('promtool', () => {
  it('fails with a clear message, never skips, when promtool is missing', () => {
    expect(() => promtool(['--version'], '/nonexistent/promtool')).toThrow(
      /promtool not found at \/nonexistent\/promtool: install Debian's "prometheus" package/,
    );
  });

  it.each(['alerts.yaml', 'recording-rules.yaml'])('check rules passes on %s', (file) => {
    const result = promtool(['check', 'rules', join('deploy/monitoring', file)]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status, result.output).toBe(0);
  });

  it('finds the two unit-test files', () => {
    expect(unitTestFiles.map((f) => f.split('/').pop()).sort()).toEqual(['alerts.test.yaml', 'recording-rules.test.yaml']);
  });

  it.each(unitTestFiles)('test rules passes on %s', (file) => {
    const result = promtool(['test', 'rules', file]);
    expect(result.status, result.output).toBe(0);
  });

  it('has, for every alert, a test where it fires and a test where it stays quiet', () => {
    type AlertTest = { alertname: string; exp_alerts?: unknown[] };
    const unit = readYaml(join(monitoringDir, 'tests', 'alerts.test.yaml')) as {
      tests: Array<{ alert_rule_test?: AlertTest[] }>;
    };
    const cases = unit.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const rule of alertRules()) {
      const own = cases.filter((c) => c.alertname === rule.alert);
      expect(own.some((c) => (c.exp_alerts ?? []).length > 0), `${rule.alert} never fires in a test`).toBe(true);
      // Quiet: either an evaluation with no alert, or a firing one whose expected set leaves out the quiet series.
      expect(own.length, `${rule.alert} needs a firing and a quiet evaluation`).toBeGreaterThanOrEqual(2);
    }
  });

});
