// The README's desired-state example is executed, so it cannot rot.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'core-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README example', () => {
  it('runs and prints the inventory, the RunnerGroup name and Ready=True', async () => {
    const block = /```ts readme-example\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const file = join(dir, 'example.ts');
    writeFileSync(file, (block ?? '').replace("'@actions-gateway/core'", JSON.stringify(index)));
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : a === undefined ? 'undefined' : JSON.stringify(a))).join(' '));
    });
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
    }
    expect(lines).toContain('Deployment actions-gateway-controller');
    expect(lines).toContain('Service actions-gateway-controller');
    expect(lines).toContain('["team-a-cpu"]');
    expect(lines.at(-1)).toBe('True undefined');
  });
});
