// dashboard.json: the seed's five rows and two template variables, and every panel query is PromQL that
// promtool parses.
import { describe, expect, it } from 'vitest';
import { checkExpressions, dashboard, dashboardExpressions, substituteGrafanaVariables } from './support.js';

describe('dashboard.json', () => {
  const board = dashboard();

  it('has the seed’s five rows, in order, each with panels', () => {
    const rows: Array<{ title: string; panels: string[] }> = [];
    for (const panel of board.panels) {
      if (panel.type === 'row') rows.push({ title: panel.title, panels: (panel.panels ?? []).map((p) => p.title) });
      else rows.at(-1)?.panels.push(panel.title);
    }
    expect(rows.map((r) => r.title)).toEqual([
      'Gateway Health',
      'Pod Creation Latency SLO',
      'Job Throughput',
      'Proxy and Quota',
      'GMC Overview',
    ]);
    expect(rows.map((r) => r.panels)).toEqual([
      ['Active sessions', 'Jobs acquired/min', 'Token refresh errors', 'RenewJob errors'],
      ['p95 latency', 'p99 latency', 'Latency heatmap'],
      ['Jobs acquired total (1h)', 'Job duration p50/p95', 'Eviction retries (1h)', 'Eviction budget exhausted (1h)'],
      ['Proxy replica count', 'HPA desired vs. current', 'ResourceQuota usage'],
      ['Managed gateways', 'Reconcile errors', 'IP range refreshes (24h)'],
    ]);
  });

  it('has exactly the seed’s two template variables', () => {
    const variables = board.templating.list.map((v) => ({
      name: v.name,
      query: typeof v.query === 'string' ? v.query : v.query.query,
    }));
    expect(variables).toEqual([
      { name: 'namespace', query: 'label_values(actions_gateway_active_sessions, namespace)' },
      { name: 'runner_group', query: 'label_values(actions_gateway_active_sessions{namespace="$namespace"}, runner_group)' },
    ]);
  });

  it('gives every non-row panel at least one query', () => {
    const empty = board.panels.filter((p) => p.type !== 'row' && (p.targets ?? []).every((t) => !t.expr));
    expect(empty.map((p) => p.title)).toEqual([]);
  });

  it('has only PromQL that promtool parses', () => {
    const exprs = dashboardExpressions(board);
    expect(exprs.length).toBeGreaterThanOrEqual(17);
    const result = checkExpressions(exprs.map((e) => substituteGrafanaVariables(e.expr)));
    expect(result.status, result.output).toBe(0);
  });

  it('would reject a query that does not parse (the check can fail)', () => {
    const result = checkExpressions(['rate(actions_gateway_jobs_acquired_total[5m]', 'sum by (namespace (x)']);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/parse error/i);
  });
});
