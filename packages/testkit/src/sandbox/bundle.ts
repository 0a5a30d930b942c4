// Source mode without tsx per process: each host program is bundled once from its TypeScript source with the
// esbuild that tsx ships (workspace packages inlined through the `source` condition, npm dependencies left
// external), written under the package's own node_modules/.cache so those dependencies resolve. A worker pod
// then starts in a fraction of a second instead of compiling TypeScript on every start.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { programPath, type HostProgram } from './bins.js';

interface EsbuildPlugin {
  name: string;
  setup(build: { onResolve(o: { filter: RegExp }, cb: (args: { path: string }) => { external: boolean } | undefined): void }): void;
}
interface Esbuild {
  build(options: Record<string, unknown> & { plugins?: EsbuildPlugin[] }): Promise<unknown>;
}

const packageOf: Record<HostProgram, string> = {
  gmc: 'host-operator', agc: 'host-operator', 'egress-proxy': 'host-proxy', 'worker-wrapper': 'host-worker', 'stand-in-runner': 'testkit', 'parent-watch': 'testkit',
};

/** Loads esbuild through tsx (its dependency); undefined when it cannot be found. */
function loadEsbuild(root: string): Esbuild | undefined {
  try {
    const fromRoot = createRequire(join(root, 'package.json'));
    return createRequire(fromRoot.resolve('tsx'))('esbuild') as Esbuild;
  } catch {
    return undefined;
  }
}

/** Everything but relative paths and workspace packages stays external (resolved from the package's node_modules). */
const externalNpm: EsbuildPlugin = {
  name: 'external-npm',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@actions-gateway/') ? undefined : { external: true }));
  },
};

/** Bundles the programs; returns each bundle's path, or undefined when esbuild is not available. */
export async function bundleSources(root: string, programs: readonly HostProgram[]): Promise<Map<HostProgram, string> | undefined> {
  const esbuild = loadEsbuild(root);
  if (!esbuild) return undefined;
  const out = new Map<HostProgram, string>();
  await Promise.all(programs.map(async (program) => {
    const dir = join(root, 'packages', packageOf[program], 'node_modules', '.cache', 'ag-sandbox');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `${program}.mjs`);
    await esbuild.build({
      entryPoints: [programPath(program, 'source', root)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
      conditions: ['source'], plugins: [externalNpm], logLevel: 'silent', sourcemap: 'inline',
      // Bundled CommonJS helpers call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __agCreateRequire } from 'node:module'; const require = __agCreateRequire(import.meta.url);" },
    });
    out.set(program, outfile);
  }));
  return out;
}

/** The newest modification time (ms) of the workspace's built files and its lockfile. */
function newestBuild(root: string): number {
  let newest = 0;
  const seen = (f: string): void => {
    if (existsSync(f)) newest = Math.max(newest, statSync(f).mtimeMs);
  };
  seen(join(root, 'pnpm-lock.yaml'));
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const dist = join(root, 'packages', pkg, 'dist');
    if (!existsSync(dist)) continue;
    for (const f of readdirSync(dist)) if (f.endsWith('.js')) seen(join(dist, f));
  }
  return newest;
}

/**
 * Bundles the built programs (`dist/`) into one file each, npm dependencies included, and reuses the bundles
 * while they are newer than every built file and the lockfile. The same code, loaded from one file instead of
 * hundreds of modules: the gmc and the agc start in a third of the CPU time (the Kubernetes client alone is
 * hundreds of files), a worker pod's two processes in about two thirds. Returns each bundle's path, or undefined
 * when esbuild is not available (the programs then run from `dist/` as they are).
 */
export async function bundleBuilt(root: string, programs: readonly HostProgram[]): Promise<Map<HostProgram, string> | undefined> {
  const esbuild = loadEsbuild(root);
  if (!esbuild) return undefined;
  const newest = newestBuild(root);
  const out = new Map<HostProgram, string>();
  await Promise.all(programs.map(async (program) => {
    const dir = join(root, 'packages', packageOf[program], 'node_modules', '.cache', 'ag-sandbox');
    const outfile = join(dir, `${program}.built.mjs`);
    if (!existsSync(outfile) || statSync(outfile).mtimeMs <= newest) {
      mkdirSync(dir, { recursive: true });
      await esbuild.build({
        entryPoints: [programPath(program, 'dist', root)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent',
        // Keep every module's top-level code: packages marked side-effect free still hold imports run for effect.
        ignoreAnnotations: true,
        banner: { js: "import { createRequire as __agCreateRequire } from 'node:module'; const require = __agCreateRequire(import.meta.url);" },
      });
    }
    out.set(program, outfile);
  }));
  return out;
}
