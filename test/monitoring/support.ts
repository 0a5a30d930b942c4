// Shared by the monitoring tests: where the files are, how to run promtool, and the PromQL they hold.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const monitoringDir = join(root, 'deploy', 'monitoring');

/** promtool from `PROMTOOL`, else Debian's `prometheus` package location (what CI installs), else PATH. */
export const promtoolPath =
  process.env.PROMTOOL ??
  ['/usr/bin', ...(process.env.PATH ?? '').split(delimiter)].map((dir) => join(dir, 'promtool')).find((p) => existsSync(p)) ??
  '/usr/bin/promtool';

/** Runs promtool; throws (failing the test, never skipping it) when promtool is not installed. */
export function promtool(args: readonly string[], path: string = promtoolPath): { status: number; output: string } {
  if (!existsSync(path)) {
    throw new Error(
      `promtool not found at ${path}: install Debian's "prometheus" package (apt-get install prometheus) ` +
        'or set PROMTOOL to its path. The monitoring rules cannot be checked without it.',
    );
  }
  const result = spawnSync(path, [...args], { cwd: root, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

export function ruleGroups(file: 'alerts.yaml' | 'recording-rules.yaml'): readonly RuleGroup[] {
  return (readYaml(join(monitoringDir, file)) as { groups: RuleGroup[] }).groups;
}

export const alertRules = (): readonly Rule[] => ruleGroups('alerts.yaml').flatMap((g) => g.rules);
export const recordingRules = (): readonly Rule[] => ruleGroups('recording-rules.yaml').flatMap((g) => g.rules);

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: ReadonlyArray<{ readonly expr?: string }>;
  readonly panels?: readonly Panel[];
}

export interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: ReadonlyArray<{ name: string; type: string; query: { query: string } | string }> };
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(join(monitoringDir, 'dashboard.json'), 'utf8')) as Dashboard;
}

/** Every panel expression of the dashboard, with the panel it belongs to. */
export function dashboardExpressions(board: Dashboard = dashboard()): Array<{ panel: string; expr: string }> {
  const out: Array<{ panel: string; expr: string }> = [];
  const visit = (panels: readonly Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr !== undefined) out.push({ panel: panel.title, expr: target.expr });
      }
      visit(panel.panels ?? []);
    }
  };
  visit(board.panels);
  return out;
}

/** Grafana variables replaced by values of the same type, so the text is plain PromQL. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{?(namespace|runner_group)\}?/g, 'placeholder');
}

/**
 * Checks PromQL expressions with promtool by writing each as a recording rule of a temporary rule file.
 * Returns promtool's verdict; its output names the offending expression.
 */
export function checkExpressions(exprs: readonly string[]): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'promql-check-'));
  try {
    const file = join(dir, 'expressions.yaml');
    const rules = exprs.map((expr, i) => ({ record: `check:expression_${i}`, expr }));
    writeFileSync(file, stringify({ groups: [{ name: 'expressions', rules }] }));
    return promtool(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
