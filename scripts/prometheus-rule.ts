// The Prometheus Operator's PrometheusRule, built from the two plain rule files. Those files are the source
// of truth (promtool checks and unit-tests them); this wrapper only re-nests their groups under `spec`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The rule files the PrometheusRule carries, in the order their groups appear in it. */
export const ruleFiles = ['deploy/monitoring/recording-rules.yaml', 'deploy/monitoring/alerts.yaml'] as const;

/** Where `pnpm generate` writes the PrometheusRule. */
export const prometheusRulePath = 'deploy/monitoring/prometheusrule.yaml';

interface RuleFile {
  readonly groups: readonly unknown[];
}

/** Reads one rule file's groups; throws naming the file when it has none. */
export function readRuleGroups(path: string, baseDir: string = root): readonly unknown[] {
  const parsed = parse(readFileSync(join(baseDir, path), 'utf8')) as Partial<RuleFile> | null;
  if (!parsed || !Array.isArray(parsed.groups) || parsed.groups.length === 0) {
    throw new Error(`${path}: expected a top-level "groups" list with at least one group`);
  }
  return parsed.groups;
}

/** The whole generated `prometheusrule.yaml`. */
export function renderPrometheusRule(baseDir: string = root): string {
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'actions-gateway',
      labels: {
        'app.kubernetes.io/name': 'actions-gateway',
        'app.kubernetes.io/component': 'monitoring',
      },
    },
    spec: { groups: ruleFiles.flatMap((file) => readRuleGroups(file, baseDir)) },
  };
  const header = [
    `# Generated from ${ruleFiles.join(' and ')} by \`pnpm generate\`. Do not edit by hand.`,
    '# Your Prometheus may select rules by label (e.g. `release: <name>`): add it with a kustomize patch.',
  ];
  return `${header.join('\n')}\n${stringify(resource, { lineWidth: 0 })}`;
}
