import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationDocPath, renderConfigurationMarkdown } from '../../scripts/render-configuration.js';
import { actionsGatewaySpecSchema, runnerGroupSpecSchema } from '../../packages/core/src/index.js';
import { repoRoot } from '../support/repo.js';

describe('docs/configuration.md', () => {
  it('is generated from core\'s schemas (run `pnpm generate` after changing them)', () => {
    expect(readFileSync(join(repoRoot, configurationDocPath), 'utf8')).toBe(renderConfigurationMarkdown());
  });

  it('lists every spec field of both kinds', () => {
    const doc = renderConfigurationMarkdown();
    for (const name of Object.keys(actionsGatewaySpecSchema.properties ?? {})) expect(doc).toContain(`| \`spec.${name}\` |`);
    for (const name of Object.keys(runnerGroupSpecSchema.properties ?? {})) {
      expect(doc).toContain(`| \`spec.${name}\` |`);
      expect(doc).toContain(`| \`spec.runnerGroups[].${name}\` |`);
    }
  });

  it('shows a field\'s default and bounds as the schema holds them', () => {
    const doc = renderConfigurationMarkdown();
    expect(doc).toContain('| `spec.maxWorkerLifetime` | duration | no | `12h` | 1m–120h |');
    expect(doc).toContain('| `spec.proxy.minReplicas` | integer (int32) | no | `2` | 1–100 |');
  });
});
