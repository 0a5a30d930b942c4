// Every program under examples/ runs green: exit 0 and its closing `ok:` line. Each is run as a user would,
// `tsx --conditions=source main.ts` in its own directory, so it imports the packages by name.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);
const examplesDir = join(repoRoot, 'examples');
const examples = readdirSync(examplesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(examplesDir, e.name, 'main.ts')))
  .map((e) => e.name)
  .sort();

/** The workspace packages an example's source imports. */
function importedPackages(name: string): string[] {
  const source = readFileSync(join(examplesDir, name, 'main.ts'), 'utf8');
  return [...new Set([...source.matchAll(/from '(@actions-gateway\/[a-z-]+)'/g)].map((m) => m[1]!))].sort();
}

describe('examples', () => {
  it('has one example per package', () => {
    const covered = new Set(examples.flatMap(importedPackages));
    const packages = readdirSync(join(repoRoot, 'packages')).map(
      (dir) => (JSON.parse(readFileSync(join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as { name: string }).name,
    );
    expect(packages.filter((p) => !covered.has(p))).toEqual([]);
  });

  it.each(examples)('examples/%s imports workspace packages by name only, each declared in its package.json', (name) => {
    const source = readFileSync(join(examplesDir, name, 'main.ts'), 'utf8');
    expect(source).not.toMatch(/from '\.\.?\//); // no relative imports into the repository
    expect(source).not.toMatch(/@actions-gateway\/[a-z-]+\/(src|internal|dist)/);
    const manifest = JSON.parse(readFileSync(join(examplesDir, name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const pkg of importedPackages(name)) expect(manifest.dependencies?.[pkg], pkg).toBe('workspace:*');
  });

  // Concurrently: each is a separate process that mostly waits on loopback I/O.
  it.concurrent.for(examples)(
    'examples/%s runs to its ok line',
    { timeout: 120_000 },
    async (name, { expect }) => {
      const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
      const { stdout } = await run(tsx, ['--conditions=source', 'main.ts'], {
        cwd: join(examplesDir, name),
        timeout: 90_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      });
      expect(stdout).toMatch(/^ok: /m);
    },
  );
});
