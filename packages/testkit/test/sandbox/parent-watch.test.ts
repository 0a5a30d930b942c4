// The parent-death watch every sandbox child runs with: a process whose parent is SIGKILLed dies too, down a chain
// shaped like a worker pod (its own process group, then a shell that execs the stand-in runner).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { programArgv, SANDBOX_PID_ENV, type HostProgram } from '../../src/sandbox/bins.js';

const dirs: string[] = [];
const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is gone
  } catch {
    return false;
  }
};

async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('parent-watch', () => {
  it('a SIGKILLed parent takes its watched child (own process group) and that child\'s exec-ed grandchild with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-parent-watch-'));
    dirs.push(dir);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const watch = pathToFileURL(fileURLToPath(new URL('../../src/parent-watch.ts', import.meta.url))).href;
    const node = (script: string): string[] => [process.execPath, '--import', tsx, '--import', watch, join(dir, script)];
    const pids = join(dir, 'pids');
    writeFileSync(join(dir, 'grandchild.mjs'), `setInterval(() => {}, 1000);\n`);
    // Like the worker wrapper running RUNNER_WORKER_PATH: a shell script that execs node.
    writeFileSync(join(dir, 'child.mjs'), [
      `import { spawn } from 'node:child_process';`,
      `import { appendFileSync } from 'node:fs';`,
      `const g = spawn('/bin/sh', ['-c', 'exec "$@"', 'sh', ...${JSON.stringify(node('grandchild.mjs'))}], { stdio: 'ignore' });`,
      `g.once('spawn', () => appendFileSync(${JSON.stringify(pids)}, \`\${process.pid} \${g.pid}\\n\`));`,
      `setInterval(() => {}, 1000);`,
    ].join('\n'));
    // Like the kubelet simulator starting a pod: detached, so the child leads its own process group; the env names
    // the sandbox (here: this parent) to every process below it.
    writeFileSync(join(dir, 'parent.mjs'), [
      `import { spawn } from 'node:child_process';`,
      `const env = { ...process.env, ${SANDBOX_PID_ENV}: String(process.pid) };`,
      `spawn(${JSON.stringify(node('child.mjs')[0])}, ${JSON.stringify(node('child.mjs').slice(1))}, { stdio: 'ignore', detached: true, env });`,
      `setInterval(() => {}, 1000);`,
    ].join('\n'));
    const parent = spawn(process.execPath, [join(dir, 'parent.mjs')], { stdio: 'ignore' });
    strays.push(parent.pid!);
    const [child, grandchild] = await until('the child and the grandchild', 15_000, () => {
      try {
        const ids = readFileSync(pids, 'utf8').trim().split(/\s+/).map(Number);
        return ids.length === 2 ? ids : undefined;
      } catch {
        return undefined;
      }
    });
    strays.push(child!, grandchild!);
    // Still alive while the parent lives: the watch does not fire on its own.
    await new Promise((r) => setTimeout(r, 500));
    expect(alive(child!) && alive(grandchild!)).toBe(true);

    parent.kill('SIGKILL');
    await until('the orphaned child and grandchild to die', 5_000, () => (!alive(child!) && !alive(grandchild!) ? true : undefined));
  }, 30_000);

  it('every program the sandbox starts preloads the watch, built or from source', () => {
    const programs: HostProgram[] = ['gmc', 'agc', 'egress-proxy', 'worker-wrapper', 'stand-in-runner'];
    for (const mode of ['dist', 'source'] as const) {
      for (const p of programs) {
        const argv = programArgv(p, mode);
        const at = argv.indexOf('--import', argv.findIndex((a) => a.includes('parent-watch')) - 1);
        expect(argv[at + 1], `${p} (${mode}): ${argv.join(' ')}`).toMatch(/parent-watch\.(js|ts|mjs)$/);
      }
    }
  });
});
