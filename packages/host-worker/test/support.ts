// Runs the real `worker-wrapper` (src/main.ts through tsx) as a process over real files, with the stand-in
// runner worker of fixtures/.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const mainPath = fileURLToPath(new URL('../src/main.ts', import.meta.url));
export const fakeWorkerPath = fileURLToPath(new URL('./fixtures/fake-runner-worker.mjs', import.meta.url));
chmodSync(fakeWorkerPath, 0o755);

/** Secrets planted in the staged job; they must never reach a log line or the worker's env. */
export const secrets = {
  runtimeToken: 'ghs_runtimeTOKENshouldNEVERbeLOGGED0001',
  credential: 'agent-credential-SECRET-0002',
  rsaKey: 'rsa-private-exponent-SECRET-0003',
};

/** A temp workspace: the mounted job Secret, the runner home and the worker report. */
export interface Workspace {
  readonly dir: string;
  readonly payloadDir: string;
  readonly runnerHome: string;
  readonly reportPath: string;
  report(): WorkerReport;
  cleanup(): void;
}

export interface WorkerReport {
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly framingErrors: string[];
  readonly type: number;
  readonly declaredLength: number;
  readonly bodyLength: number;
  readonly payload: string;
}

export const runnerFiles = {
  '.runner': JSON.stringify({ agentId: 7, agentName: 'rg-cpu-0', poolId: 1, serverUrl: 'https://pipelines.example' }),
  '.credentials': JSON.stringify({ scheme: 'OAuth', data: { clientId: 'c1', token: secrets.credential } }),
  '.credentials_rsaparams': JSON.stringify({ d: secrets.rsaKey, exponent: 'AQAB' }),
};

export const encodeJitConfig = (files: Record<string, string>): string =>
  Buffer.from(
    JSON.stringify(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))),
  ).toString('base64');

/** A job payload scripting the fake worker, with a runtime token inside as a real one would have. */
export const jobPayload = (fakeWorker: Record<string, unknown> = {}): string =>
  JSON.stringify({
    plan: { planId: 'plan-123' },
    variables: { 'system.accesstoken': { value: secrets.runtimeToken }, note: { value: 'ünïcødé ✓ 𝄞' } },
    fakeWorker,
  });

export function makeWorkspace(staged: { payload?: string; planId?: string; jitconfig?: string } = {}): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'worker-wrapper-'));
  const payloadDir = join(dir, 'job-payload');
  mkdirSync(payloadDir);
  if (staged.payload !== undefined) writeFileSync(join(payloadDir, 'payload'), staged.payload);
  if (staged.planId !== undefined) writeFileSync(join(payloadDir, 'plan-id'), staged.planId);
  if (staged.jitconfig !== undefined) writeFileSync(join(payloadDir, 'jitconfig'), staged.jitconfig);
  const reportPath = join(dir, 'report.json');
  return {
    dir,
    payloadDir,
    runnerHome: join(dir, 'home', 'runner'),
    reportPath,
    report: () => JSON.parse(readFileSync(reportPath, 'utf8')) as WorkerReport,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface WrapperRun {
  readonly pid: number;
  readonly stdout: string[];
  readonly stderr: string[];
  /** The wrapper's log lines (stderr, which the runner worker shares: its non-JSON lines are skipped), parsed. */
  logs(): Array<Record<string, unknown>>;
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts the wrapper with `env` on top of a minimal environment (PATH, HOME) and the workspace's paths. */
export function startWrapper(ws: Workspace, env: Record<string, string | undefined> = {}): WrapperRun {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', mainPath], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: ws.dir,
      PAYLOAD_SECRET_PATH: ws.payloadDir,
      RUNNER_HOME_DIR: ws.runnerHome,
      RUNNER_WORKER_PATH: fakeWorkerPath,
      FAKE_WORKER_REPORT: ws.reportPath,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<() => void> = [];
  const collect = (into: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      into.push(...lines);
      for (const wake of waiters.splice(0)) wake();
    };
  };
  child.stdout.on('data', collect(stdout));
  child.stderr.on('data', collect(stderr));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, signal });
    });
  });
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    pid: child.pid!,
    stdout,
    stderr,
    exit,
    kill: (signal) => child.kill(signal),
    logs: () => stderr.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    waitForStdout(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          for (const line of stdout) {
            const match = pattern.exec(line);
            if (match) return resolve(match);
          }
          if (exited) return reject(new Error(`wrapper exited before stdout matched ${pattern}: ${stderr.join('\n')}`));
          if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${pattern}`));
          waiters.push(check);
          setTimeout(check, 200).unref();
        };
        check();
      });
    },
  };
}

/** Whether a process of that pid still exists (and is not a zombie we could still see). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const status = `/proc/${pid}/status`;
  return !(existsSync(status) && /State:\s+Z/.test(readFileSync(status, 'utf8')));
}
