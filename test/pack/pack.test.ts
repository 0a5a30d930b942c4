// `pnpm pack` of every publishable package, checked for what a consumer of the tarball gets: the built
// `dist/` with types, the README, LICENSE and CHANGELOG it declares, the bins it names, and none of the
// sources, tests or benches. A package.json in the tarball must point only at files the tarball holds.
//
// The packages are built and packed in a scratch copy of the workspace (workspace file, tsconfigs, each
// package with its node_modules links), dependencies first as `pnpm build` does, so `workspace:` and
// `catalog:` versions resolve as in a real release and the packages' own dist/ directories, which other tests
// and a developer's build may be using, are never touched.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo.js';
import { packageDirs } from '../npm/exports.js';

const run = promisify(execFile);

interface Manifest {
  name: string;
  private?: boolean;
  files?: string[];
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  publishConfig?: Record<string, unknown>;
}

interface Packed {
  readonly entries: string[];
  readonly manifest: Manifest;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as Manifest;

const publishable = packageDirs().filter((d) => readManifest(d).private !== true);
const scratch = mkdtempSync(join(tmpdir(), 'ag-pack-'));
const packed = new Map<string, Packed>();

/** Copies what a release checkout holds, including the tests and sources the tarball must leave out. */
function stage(dir: string): string {
  const target = join(scratch, 'packages', dir);
  mkdirSync(target, { recursive: true });
  for (const name of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'src', 'test', 'bench', 'tsup.config.ts', 'tsconfig.json']) {
    const from = join(repoRoot, 'packages', dir, name);
    if (existsSync(from)) cpSync(from, join(target, name), { recursive: true });
  }
  // pnpm's links are relative: copied verbatim, workspace packages resolve to their scratch copies (and their
  // scratch dist/) and npm packages to the store behind the scratch root's node_modules link.
  cpSync(join(repoRoot, 'packages', dir, 'node_modules'), join(target, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  return target;
}

/** The packages in build order, grouped: each group depends only on earlier groups. */
function buildLevels(dirs: readonly string[]): string[][] {
  const byName = new Map(dirs.map((d) => [readManifest(d).name, d]));
  const needs = new Map(
    dirs.map((d) => [d, Object.keys(readManifest(d).dependencies ?? {}).flatMap((n) => byName.get(n) ?? [])]),
  );
  const levels: string[][] = [];
  const done = new Set<string>();
  while (done.size < dirs.length) {
    const ready = dirs.filter((d) => !done.has(d) && (needs.get(d) ?? []).every((n) => done.has(n)));
    if (ready.length === 0) throw new Error('dependency cycle among packages');
    levels.push(ready);
    for (const d of ready) done.add(d);
  }
  return levels;
}

async function build(dir: string): Promise<void> {
  await run(join(repoRoot, 'node_modules', '.bin', 'tsup'), ['--silent'], { cwd: join(scratch, 'packages', dir) });
}

async function pack(dir: string): Promise<Packed> {
  const target = join(scratch, 'packages', dir);
  const destination = join(scratch, 'tarballs', dir);
  mkdirSync(destination, { recursive: true });
  const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', destination], { cwd: target });
  const { filename } = JSON.parse(stdout) as { filename: string };
  const list = await run('tar', ['-tzf', filename]);
  const manifest = await run('tar', ['-xzOf', filename, 'package/package.json']);
  return {
    entries: list.stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, '')),
    manifest: JSON.parse(manifest.stdout) as Manifest,
  };
}

/** Runs the builds two at a time: the machine's cores are shared. */
async function inPool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

beforeAll(async () => {
  for (const file of ['pnpm-workspace.yaml', 'package.json', 'tsconfig.base.json', 'tsconfig.build.json']) {
    cpSync(join(repoRoot, file), join(scratch, file));
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(scratch, 'node_modules'));
  const dirs = packageDirs();
  for (const dir of dirs) stage(dir);
  for (const level of buildLevels(dirs)) await inPool(level, 2, build);
  await inPool(publishable, 2, async (dir) => {
    packed.set(dir, await pack(dir));
  });
}, 360_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every file path a manifest value names (exports targets, bin targets), found recursively. */
function pathsIn(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('./') ? [value.slice(2)] : [];
  if (value && typeof value === 'object') return Object.values(value).flatMap(pathsIn);
  return [];
}

describe.each(publishable)('pnpm pack of packages/%s', (dir) => {
  const get = (): Packed => {
    const p = packed.get(dir);
    if (!p) throw new Error(`packages/${dir} was not packed`);
    return p;
  };

  it('holds the built entry point and its types', () => {
    const { entries } = get();
    expect(entries).toContain('dist/index.js');
    expect(entries).toContain('dist/index.d.ts');
  });

  it('holds README.md, and LICENSE and CHANGELOG.md when package.json declares them', () => {
    const { entries } = get();
    const files = readManifest(dir).files ?? [];
    expect(entries).toContain('README.md');
    for (const doc of ['LICENSE', 'CHANGELOG.md']) if (files.includes(doc)) expect(entries).toContain(doc);
    if (entries.includes('LICENSE')) {
      expect(readFileSync(join(repoRoot, 'packages', dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'));
    }
  });

  it('holds nothing from src/, test/, bench/ or the build configs', () => {
    const leaked = get().entries.filter((e) => /^(src|test|bench)\//.test(e) || /^(tsup\.config|tsconfig)/.test(e));
    expect(leaked).toEqual([]);
  });

  it('has a manifest whose exports and bins all point into the tarball, with the internal/ path blocked', () => {
    const { entries, manifest } = get();
    const exportsMap = manifest.exports ?? {};
    expect(exportsMap['./internal/*']).toBeNull();
    expect(JSON.stringify(exportsMap)).not.toContain('"source"');
    for (const target of pathsIn(exportsMap)) expect(entries).toContain(target);
    for (const [bin, target] of Object.entries(manifest.bin ?? {})) {
      // A bin joins the build once its entry exists (the operator's tsup config says so for `agc`).
      const entry = target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      if (existsSync(join(repoRoot, 'packages', dir, entry))) expect(entries, `bin ${bin}`).toContain(target.replace(/^\.\//, ''));
    }
  });

  it('pins every dependency to a real version (no workspace: or catalog: left)', () => {
    const specifiers = Object.values(get().manifest.dependencies ?? {});
    expect(specifiers.filter((s) => /^(workspace|catalog):/.test(s))).toEqual([]);
  });
});
