// The container recipes, tested without a Docker daemon: every Dockerfile parses, every base is pinned by
// digest, each shipped target runs as a numeric non-root user with an exec-form ENTRYPOINT whose script is a
// `bin` the package's tsup build emits, the app tree is root-owned (nothing to write outside /tmp), the
// worker image builds on the runner image core announces, and .dockerignore keeps what the builds copy.
import { DEFAULT_WORKER_IMAGE, RUNNER_VERSION } from '@actions-gateway/core';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { effective, execForm, parseDockerfile, stages, type Stage } from './dockerfile.js';
import { deployDir, find, kustomize, root } from './support.js';

const dockerDir = join(root, 'docker');
/** `[registry/]repository:tag@sha256:<64 hex>`: the tag says what it is, the digest what it must be. */
const pinned = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9._-]+(?:\/[a-z0-9._-]+)*:[\w.-]+@sha256:[0-9a-f]{64}$/;

/** What ships: image, Dockerfile, target stage, and the workspace package whose bin it runs. */
const images = [
  { image: 'ghcr.io/actions-gateway/gmc', file: 'operator.Dockerfile', target: 'gmc', pkg: '@actions-gateway/operator' },
  { image: 'ghcr.io/actions-gateway/agc', file: 'operator.Dockerfile', target: 'agc', pkg: '@actions-gateway/operator' },
  { image: 'ghcr.io/actions-gateway/proxy', file: 'egress-proxy.Dockerfile', target: undefined, pkg: '@actions-gateway/proxy' },
  { image: 'ghcr.io/actions-gateway/worker', file: 'worker.Dockerfile', target: undefined, pkg: '@actions-gateway/worker' },
] as const;

interface PackageJson {
  name: string;
  bin?: Record<string, string>;
}
const packageDirs = new Map(
  readdirSync(join(root, 'packages')).flatMap((dir) => {
    const file = join(root, 'packages', dir, 'package.json');
    return existsSync(file) ? [[(JSON.parse(readFileSync(file, 'utf8')) as PackageJson).name, join(root, 'packages', dir)] as const] : [];
  }),
);

function load(file: string): Stage[] {
  return stages(parseDockerfile(readFileSync(join(dockerDir, file), 'utf8')));
}
function targetStage(all: Stage[], target: string | undefined): Stage {
  const stage = target ? all.find((s) => s.name === target) : all.at(-1);
  if (!stage) throw new Error(`no stage ${target}`);
  return stage;
}
/** The stages a target is built from, itself first. */
function chain(all: Stage[], stage: Stage): Stage[] {
  const parent = all.slice(0, all.indexOf(stage)).find((s) => s.name === stage.from.toLowerCase());
  return parent ? [stage, ...chain(all, parent)] : [stage];
}

describe('the Dockerfiles', () => {
  const files = readdirSync(dockerDir).filter((f) => f.endsWith('Dockerfile'));

  it('are one per host, and each parses into stages', () => {
    expect(files.sort()).toEqual(['egress-proxy.Dockerfile', 'operator.Dockerfile', 'worker.Dockerfile']);
    for (const f of files) expect(load(f).length, f).toBeGreaterThanOrEqual(2);
  });

  it('pin every base image by digest (or build on an earlier stage)', () => {
    for (const f of files) {
      const all = load(f);
      all.forEach((s, i) => {
        const earlier = all.slice(0, i).some((p) => p.name === s.from.toLowerCase());
        expect(earlier || pinned.test(s.from), `${f}: FROM ${s.from}`).toBe(true);
      });
    }
  });

  it('copy only context paths that exist and that .dockerignore keeps', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
    for (const f of files) {
      for (const stage of load(f)) {
        for (const ins of stage.instructions.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))) {
          const sources = ins.args.split(' ').filter((a) => !a.startsWith('--')).slice(0, -1);
          for (const source of sources) {
            expect(existsSync(join(root, source)), `${f}:${ins.line} COPY ${source}`).toBe(true);
            expect(ignored.some((pattern) => source.replace(/\/$/, '') === pattern.replace(/\/$/, '')), `${f}: ${source} is ignored`).toBe(false);
          }
        }
      }
    }
  });
});

describe.each(images)('the $image image', ({ file, target, pkg }) => {
  const all = load(file);
  const stage = targetStage(all, target);

  it('runs as a numeric non-root user', () => {
    const user = effective(all, stage, 'USER');
    expect(user, 'USER').toBeDefined();
    const m = /^(\d+)(?::(\d+))?$/.exec(user!.args);
    expect(m, `USER ${user!.args} must be numeric uid[:gid]`).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    if (m![2] !== undefined) expect(Number(m![2])).toBeGreaterThan(0);
  });

  it('starts a bin the package build emits, from a root-owned app tree', () => {
    const entry = effective(all, stage, 'ENTRYPOINT');
    expect(entry, 'ENTRYPOINT').toBeDefined();
    const [interpreter, script, ...rest] = execForm(entry!);
    expect(['node', '/usr/local/bin/node']).toContain(interpreter);
    expect(rest).toEqual([]);
    // The build stage deploys `pkg` to /out; the runtime copies /out/ to the app directory.
    const build = all.find((s) => s.instructions.some((i) => i.keyword === 'RUN' && i.args.includes(`--filter ${pkg} deploy --prod /out`)));
    expect(build, `a stage running pnpm --filter ${pkg} deploy --prod /out`).toBeDefined();
    const copy = chain(all, stage)
      .flatMap((s) => s.instructions)
      .find((i) => i.keyword === 'COPY' && i.args.includes(`--from=${build!.name}`) && / \/out\/ /.test(` ${i.args} `));
    expect(copy, 'COPY --from=<build> /out/ <app>').toBeDefined();
    expect(copy!.args).toContain('--chown=0:0');
    const appDir = copy!.args.split(' ').at(-1)!.replace(/\/?$/, '/');
    expect(script!.startsWith(appDir), `${script} is under ${appDir}`).toBe(true);
    const relative = script!.slice(appDir.length);

    const dir = packageDirs.get(pkg)!;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    expect(Object.values(manifest.bin ?? {}).map((b) => b.replace(/^\.\//, ''))).toContain(relative);
    const source = relative.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
    expect(readFileSync(join(dir, 'tsup.config.ts'), 'utf8'), `tsup builds ${source}`).toContain(`'${source}'`);
  });

  it('has no VOLUME and no build step in its runtime stages (the root filesystem can be read-only)', () => {
    for (const s of chain(all, stage).filter((s) => !s.name?.startsWith('build'))) {
      expect(s.instructions.filter((i) => i.keyword === 'VOLUME' || i.keyword === 'RUN').map((i) => `${i.keyword} ${i.args}`)).toEqual([]);
    }
  });
});

describe('image names and versions', () => {
  it('the worker image builds on the runner image and version core announces', () => {
    const base = targetStage(load('worker.Dockerfile'), undefined).from;
    expect(base).toBe(DEFAULT_WORKER_IMAGE);
    expect(base).toContain(`:${RUNNER_VERSION}@`);
  });

  it('the install deploys the images these Dockerfiles build', async () => {
    const objects = await kustomize(deployDir);
    const deployment = find<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(objects, 'Deployment', 'gmc-controller-manager');
    const cm = Object.values(find<{ data: Record<string, string> }>(objects.filter((o) => o.kind === 'ConfigMap'), 'ConfigMap', objects.find((o) => o.metadata.name.startsWith('gmc-images'))!.metadata.name).data);
    const deployed = [deployment.spec.template.spec.containers[0]!.image, ...cm].map((ref) => ref.split(/[:@]/)[0]);
    for (const name of deployed) expect(images.map((i) => i.image)).toContain(name);
  });
});

describe('the Dockerfile reader the checks rest on', () => {
  it('refuses what Docker would refuse and the shell form the checks forbid', () => {
    expect(() => parseDockerfile('FROM a@sha256:x\nRUNN echo\n')).toThrow(/line 2: unknown instruction RUNN/);
    expect(() => parseDockerfile('FROM a\nRUN echo \\')).toThrow(/line continuation/);
    expect(() => stages(parseDockerfile('USER 1\nFROM a\n'))).toThrow(/before the first FROM/);
    const [entry] = parseDockerfile('ENTRYPOINT node /app/dist/main.js\n');
    expect(() => execForm(entry!)).toThrow(/exec \(JSON array\) form/);
  });

  it('joins continuations, skips comments, and inherits USER and ENTRYPOINT through stages', () => {
    const all = stages(parseDockerfile('# c\nFROM base@sha256:1 AS runtime\nUSER 10:10\nENV A=1 \\\n    B=2\nFROM runtime AS app\nENTRYPOINT ["node", "x.js"]\n'));
    expect(all.map((s) => [s.name, s.from])).toEqual([['runtime', 'base@sha256:1'], ['app', 'runtime']]);
    expect(all[0]!.instructions.find((i) => i.keyword === 'ENV')?.args).toBe('A=1 B=2');
    expect(effective(all, all[1]!, 'USER')?.args).toBe('10:10');
    expect(execForm(effective(all, all[1]!, 'ENTRYPOINT')!)).toEqual(['node', 'x.js']);
  });
});
