// Writes every generated file from its single source of truth. Each file's test fails when it drifts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMetricsMarkdown } from '@actions-gateway/metrics';
import { prometheusRulePath, renderPrometheusRule } from './prometheus-rule.js';
import { configurationDocPath, renderConfigurationMarkdown } from './render-configuration.js';
import { renderCrdFiles } from './render-crds.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const generated: ReadonlyArray<{ path: string; render: () => string }> = [
  { path: 'docs/metrics.md', render: renderMetricsMarkdown },
  { path: configurationDocPath, render: renderConfigurationMarkdown },
  { path: prometheusRulePath, render: () => renderPrometheusRule() },
  ...renderCrdFiles().map(({ path, content }) => ({ path, render: () => content })),
];

for (const { path, render } of generated) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, render());
  console.log(`wrote ${path}`);
}
