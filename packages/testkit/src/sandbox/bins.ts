// Where the workspace's host programs are and how to start them: their built `dist/` entry, or — in a clone
// nothing was built in — their TypeScript source through tsx with the `source` export condition.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The programs the sandbox runs, and the preload each of them runs with (`parent-watch`, see its file). */
export type HostProgram = 'gmc' | 'agc' | 'egress-proxy' | 'worker-wrapper' | 'stand-in-runner' | 'parent-watch';

/** `dist`: the built bins (what `pnpm start` runs); `source`: src through tsx (tests in a fresh clone). */
export type BinMode = 'dist' | 'source';

const programs: Record<HostProgram, { pkg: string; dist: string; src: string }> = {
  gmc: { pkg: 'host-operator', dist: 'dist/gmc.js', src: 'src/gmc.ts' },
  agc: { pkg: 'host-operator', dist: 'dist/agc.js', src: 'src/agc.ts' },
  'egress-proxy': { pkg: 'host-proxy', dist: 'dist/main.js', src: 'src/main.ts' },
  'worker-wrapper': { pkg: 'host-worker', dist: 'dist/main.js', src: 'src/main.ts' },
  'stand-in-runner': { pkg: 'testkit', dist: 'dist/stand-in-runner.js', src: 'src/stand-in-runner.ts' },
  'parent-watch': { pkg: 'testkit', dist: 'dist/parent-watch.js', src: 'src/parent-watch.ts' },
};

/** The workspace root: the nearest folder above this module holding `pnpm-workspace.yaml`. */
export function workspaceRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}: run the sandbox from the repository`);
  }
}

/** The file a program runs from in `mode`. */
export function programPath(program: HostProgram, mode: BinMode, root = workspaceRoot()): string {
  const p = programs[program];
  return join(root, 'packages', p.pkg, mode === 'dist' ? p.dist : p.src);
}

/** The built files missing for `dist` mode, as paths relative to the root (empty when everything is built). */
export function missingBuilds(root = workspaceRoot(), which: readonly HostProgram[] = Object.keys(programs) as HostProgram[]): string[] {
  return which.map((p) => programPath(p, 'dist', root)).filter((f) => !existsSync(f)).map((f) => f.slice(root.length + 1));
}

/** Bundles made from source (see `bundle.ts`), used instead of tsx when present. */
const bundles = new Map<string, string>();

/** Registers a bundle of a program's source for `source` mode. */
export function useBundle(program: HostProgram, root: string, file: string): void {
  bundles.set(`${root}\0${program}`, file);
}

/** The env var naming the sandbox's PID to the parent-death watch (`src/parent-watch.ts`) of every process below it. */
export const SANDBOX_PID_ENV = 'AG_SANDBOX_PID';

/** The file of a program as this sandbox runs it: its bundle if there is one, else its dist or source file. */
function runnable(program: HostProgram, mode: BinMode, root: string): string {
  return bundles.get(`${root}\0${program}`) ?? programPath(program, mode, root);
}

/**
 * The argv that starts a program with this Node, with the parent-death watch preloaded:
 * `[node, --import <watch>, file]`, or through tsx `[node, --import <tsx>, --import <watch>, --conditions=source, file]`.
 */
export function programArgv(program: HostProgram, mode: BinMode, root = workspaceRoot()): string[] {
  const watch = pathToFileURL(runnable('parent-watch', mode, root)).href;
  const bundled = bundles.has(`${root}\0${program}`);
  if (mode === 'dist' || bundled) return [process.execPath, ...(bundled && mode === 'source' ? ['--enable-source-maps'] : []), '--import', watch, runnable(program, mode, root)];
  const tsx = createRequire(join(root, 'package.json')).resolve('tsx');
  return [process.execPath, '--import', pathToFileURL(tsx).href, '--import', watch, '--conditions=source', programPath(program, mode, root)];
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Writes an executable shell script at `path` that execs the program with its arguments — for a variable that
 * names one executable, such as the wrapper's `RUNNER_WORKER_PATH`. File descriptors (the worker's fd 3 and 4)
 * pass through the `exec`.
 */
export function writeLauncher(path: string, program: HostProgram, mode: BinMode, root = workspaceRoot()): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\nexec ${programArgv(program, mode, root).map(shellQuote).join(' ')} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}
