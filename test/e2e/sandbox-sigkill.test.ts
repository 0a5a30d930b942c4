// The sandbox SIGKILLed: it gets no chance to stop its children, yet none outlives it. Every process it started
// carries the testkit's parent-death watch and dies within a second or so. Here: the gmc, the agc and the egress
// proxy, and whatever else is below the sandbox at that moment; the worker pods' chain (own process group, then
// wrapper → shell → stand-in runner) is covered in packages/testkit/test/sandbox/parent-watch.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, until } from '../support/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ag-sandbox-sigkill-'));
let leftover: number[] = [];

afterAll(() => {
  // Backstop for a failing run: whatever the test saw alive is killed here so it does not outlive the suite.
  for (const pid of leftover) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly cmdline: string;
}

/** Every process on the machine with its parent, from /proc. */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(name), ppid, cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // exited while listed
    }
  }
  return out;
}

/** The processes descending from `pid`. */
function descendants(pid: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}



describe('ag-sandbox SIGKILLed', () => {
  it('leaves no child process behind: the hosts die with it', async () => {
    const tsx = createRequire(join(root, 'package.json')).resolve('tsx');
    const sandbox: ChildProcess = spawn(process.execPath, [
      '--import', tsx, '--conditions=source', join(root, 'packages/testkit/src/sandbox.ts'),
      '--source', '--jobs', '0', '--second-group', 'Classic', '--plain', '--dir', join(dir, 'sandbox'),
    ], { cwd: root, stdio: 'ignore' });
    const pid = sandbox.pid!;
    try {
      const tree = await until('the gmc, the agc and the egress proxy', 90_000, () => {
        const d = descendants(pid);
        return ['gmc', 'agc', 'egress-proxy'].every((name) => d.some((p) => p.cmdline.includes(`/${name}.`))) ? d : undefined;
      });
      leftover = tree.map((p) => p.pid);
      expect(tree.length).toBeGreaterThanOrEqual(3);
      sandbox.kill('SIGKILL');
      await until(`every child of the SIGKILLed sandbox gone (${tree.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`).join('; ')})`, 8_000,
        () => tree.every((p) => !alive(p.pid)));
    } finally {
      if (sandbox.exitCode === null && sandbox.signalCode === null) sandbox.kill('SIGKILL');
    }
  }, 120_000);
});
