import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderMetricsMarkdown } from '../src/index.js';

describe('docs/metrics.md', () => {
  it('is generated from the catalogue (run `pnpm generate` after changing it)', () => {
    const path = fileURLToPath(new URL('../../../docs/metrics.md', import.meta.url));
    expect(readFileSync(path, 'utf8')).toBe(renderMetricsMarkdown());
  });
});
