// Runs the egress-proxy bin from source (tsx) as a child process and reads its ready line and logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const main = join(root, 'packages', 'host-proxy', 'src', 'main.ts');
// `node --import tsx` runs the bin in this one process: the tsx CLI would put a second node process under it, so a
// SIGKILL would hit the wrapper and leave the proxy running.
const nodeArgs = ['--import', 'tsx', '--conditions=source', main];

export interface Child {
  process: ChildProcess;
  /** The first stdout line. */
  ready: string;
  /** Parsed JSON log lines seen so far. */
  logs: Record<string, unknown>[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Spawns the bin with `args`; resolves once it printed its first stdout line (or rejects if it exits first). */
export function spawnProxy(args: readonly string[]): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let ready: string | undefined;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (ready === undefined) {
        ready = line;
        resolve({ process: child, ready, logs, exit, stderr: () => stderr });
        return;
      }
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ unparsed: line });
      }
    });
    void exit.then(({ code }) => {
      if (ready === undefined) reject(new Error(`proxy exited ${code} before ready: ${stderr}`));
    });
  });
}

/** Runs the bin to completion (for flag errors); resolves with its exit code and output. */
export function runProxy(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
