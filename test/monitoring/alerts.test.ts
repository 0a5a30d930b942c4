// alerts.yaml and recording-rules.yaml against the user's observability reference: the seed's rules are
// carried verbatim (alerts gain only a runbook_url; one recording rule is fixed), every signal of the
// seed's symptom table has an alert, and every alert is documented in docs/runbook.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { seriesNames, resolveSeriesName } from './promql-names.js';
import { alertRules, recordingRules, root, ruleGroups, type Rule, type RuleGroup } from './support.js';

const seedText = readFileSync(join(root, 'packages/metrics/test/fixtures/observability-seed.txt'), 'utf8');

/** The YAML rule block of the seed that starts at the n-th `groups:` line. */
function seedGroups(n: number): RuleGroup[] {
  const starts = [...seedText.matchAll(/^groups:$/gm)].map((m) => m.index);
  // The block ends at the next unindented prose line.
  const block = seedText.slice(starts[n]).split(/\n(?=[A-Z])/)[0]!;
  return (parse(block) as { groups: RuleGroup[] }).groups;
}

const runbookBase = 'https://github.com/actions-gateway/actions-gateway-ts/blob/main/docs/runbook.md#';

/** GitHub's heading anchor: lower case, punctuation other than - and _ dropped, spaces to dashes. */
const githubAnchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describe('alerts.yaml', () => {
  const seedAlerts = seedGroups(0)[0]!.rules;

  it('carries the seed’s 7 alerts verbatim, plus a runbook_url', () => {
    expect(seedAlerts).toHaveLength(7);
    const ours = new Map(alertRules().map((r) => [r.alert, r]));
    for (const seed of seedAlerts) {
      const rule = ours.get(seed.alert);
      expect(rule, `missing seed alert ${seed.alert}`).toBeDefined();
      const { runbook_url: _url, ...annotations } = rule!.annotations ?? {};
      expect({ ...rule, annotations }).toEqual(seed);
    }
    expect(ruleGroups('alerts.yaml')[0]!.name).toBe(seedGroups(0)[0]!.name);
  });

  it('alerts on every signal of the symptom table', () => {
    const symptomSignals = [
      'actions_gateway_pod_creation_latency_seconds',
      'actions_gateway_renewjob_errors_total',
      'actions_gateway_active_sessions',
      'actions_gateway_job_acquisition_errors_total',
      'actions_gateway_token_refresh_errors_total',
      'actions_gateway_eviction_retries_total',
      'actions_gateway_eviction_retries_exhausted_total',
      'actions_gateway_agent_recycle_errors_total',
      'actions_gateway_worker_pods_reaped_total',
      'actions_gateway_reconcile_errors_total',
      'actions_gateway_message_poll_errors_total',
      'actions_gateway_proxy_dial_errors_total',
    ];
    const watched = new Set(alertRules().flatMap((r) => seriesNames(r.expr).map((n) => resolveSeriesName(n)?.metric)));
    expect(symptomSignals.filter((s) => !watched.has(s))).toEqual([]);
    const expr = (name: string) => alertRules().find((r) => r.alert === name)?.expr ?? '';
    expect(expr('ActionsGatewayWorkerPodsStuckPending')).toContain('reason="pending_deadline"');
    expect(expr('ActionsGatewayMessagePollTimeouts')).toContain('reason="timeout"');
  });

  it('gives every alert a severity, summary, description and a runbook_url whose anchor exists', () => {
    const runbook = readFileSync(join(root, 'docs/runbook.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((m) => githubAnchor(m[1]!)));
    const names = alertRules().map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of alertRules()) {
      expect(['critical', 'warning'], `${rule.alert} severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, `${rule.alert} summary`).toBeTruthy();
      expect(rule.annotations?.description, `${rule.alert} description`).toBeTruthy();
      const url = rule.annotations?.runbook_url ?? '';
      expect(url.startsWith(runbookBase), `${rule.alert} runbook_url ${url}`).toBe(true);
      const anchor = url.slice(runbookBase.length);
      expect(anchor).toBe(githubAnchor(rule.alert!));
      expect(anchors.has(anchor), `docs/runbook.md has no heading for #${anchor}`).toBe(true);
    }
  });

  it('has a runbook entry per alert that names the alert’s metrics and says what to do', () => {
    const runbook = readFileSync(join(root, 'docs/runbook.md'), 'utf8');
    const sections = new Map(
      runbook
        .split(/^## /m)
        .slice(1)
        .map((s) => [s.slice(0, s.indexOf('\n')).trim(), s] as const),
    );
    expect([...sections.keys()].sort()).toEqual(alertRules().map((r) => r.alert).sort());
    for (const rule of alertRules()) {
      const section = sections.get(rule.alert!)!;
      for (const part of ['**Symptom:**', '**Metric:**', '**What to do:**']) {
        expect(section, `${rule.alert}: ${part}`).toContain(part);
      }
      for (const name of seriesNames(rule.expr)) {
        expect(section, `${rule.alert} runbook names ${name}`).toContain(resolveSeriesName(name)!.metric);
      }
    }
  });
});

describe('recording-rules.yaml', () => {
  const seed = seedGroups(1);
  const fixed = 'actions_gateway:job_acquisition_success_rate:rate5m';

  it('carries the seed’s group and rules, only the acquisition ratio changed', () => {
    const ours = ruleGroups('recording-rules.yaml');
    expect(ours.map(({ name, interval }) => ({ name, interval }))).toEqual(seed.map(({ name, interval }) => ({ name, interval })));
    const seedRules = seed.flatMap((g) => g.rules);
    expect(recordingRules().map((r) => r.record)).toEqual(seedRules.map((r) => r.record));
    for (const rule of recordingRules().filter((r) => r.record !== fixed)) {
      expect(rule).toEqual(seedRules.find((r: Rule) => r.record === rule.record));
    }
  });

  it('groups the acquisition ratio by namespace only, and says why in a comment', () => {
    const rule = recordingRules().find((r) => r.record === fixed)!;
    expect(rule.expr).not.toContain('runner_group');
    expect(rule.expr).toMatch(/sum by \(namespace\) \(rate\(actions_gateway_job_acquisition_errors_total\[5m\]\)\)/);
    const text = readFileSync(join(root, 'deploy/monitoring/recording-rules.yaml'), 'utf8');
    const comment = /# Fixed from the reference:[^\n]*(\n\s*#[^\n]*)*/.exec(text)?.[0] ?? '';
    expect(comment).toContain('runner_group');
    expect(comment).toContain('by (namespace)');
  });
});
