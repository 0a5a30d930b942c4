// Chaos: the agc and the gmc SIGKILLed at random points while the sandbox (real gmc, agc and egress-proxy
// processes; worker pods through the real worker wrapper) runs a few hundred jobs over two Classic groups
// (AG_CHAOS_SECOND_GROUP=ScaleSet for a scale-set second group: a SIGKILLed agc leaks its scale-set session,
// which blocks its successor with 409 until GitHub expires it — 10 min — so those jobs wait that long). The sandbox's supervisor restarts each killed host, as its Deployment would. Every job must
// conclude once: acquired once, one accepted completion. Kill i lands once JOBS·i/(KILLS+1) jobs concluded
// (seeded 0–5 s later), so the kills spread over the run. Prints one figures line.
// Full form only (`AG_CHAOS=full`, pnpm test:chaos): ≥ 20 kills over ≥ 200 jobs. Under `pnpm test` the
// reduced form is the sandbox e2e test (test/e2e/sandbox.test.ts: one agc SIGKILL mid-run, 8 jobs).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../scripts/seeded-random.js';
import { until } from '../support/processes.js';

const full = process.env['AG_CHAOS'] === 'full';
const JOBS = Number(process.env['AG_CHAOS_KILL_JOBS'] ?? 200);
const KILLS = Number(process.env['AG_CHAOS_KILLS'] ?? 20);
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ag-chaos-kills-'));
let sandbox: ChildProcess | undefined;

interface State {
  children: Record<string, number | undefined>;
  jobs: { requestId: number; tenant: string; group: string; state: string; conclusion: string | null; timesAcquired: number; completions: number }[];
  allConcluded: boolean;
}
const state = (): State | undefined => {
  try {
    return JSON.parse(readFileSync(join(dir, 'sandbox', 'state.json'), 'utf8')) as State;
  } catch {
    return undefined;
  }
};

/** Where the jobs are, which are not done, and the last warnings of each host's log, for a failure message. */
function diagnosis(): string {
  const counts = new Map<string, number>();
  for (const j of state()?.jobs ?? []) counts.set(`${j.state}/${j.timesAcquired}`, (counts.get(`${j.state}/${j.timesAcquired}`) ?? 0) + 1);
  const open = (state()?.jobs ?? []).filter((j) => j.state !== 'completed' && j.state !== 'cancelled').map((j) => `${j.tenant}/${j.group}#${j.requestId}:${j.state}`);
  const logs = ['agc-1', 'gmc'].map((h) => {
    try {
      return `${h}.log:\n${readFileSync(join(dir, 'sandbox', 'logs', `${h}.log`), 'utf8').split('\n').filter((l) => /"level":"(warn|error)"/.test(l)).slice(-40).map((l) => l.slice(0, 600)).join('\n')}`;
    } catch {
      return `${h}.log: none`;
    }
  });
  return `jobs by state/timesAcquired: ${JSON.stringify([...counts])}\nnot done: ${open.join(' ')}\n${logs.join('\n')}\n(sandbox folder kept: ${dir})`;
}
/** The sandbox folder (logs, state) is kept when the run failed, for a look afterwards. */
let passed = false;

afterAll(async () => {
  if (sandbox && sandbox.exitCode === null && sandbox.signalCode === null && sandbox.pid !== undefined) {
    sandbox.kill('SIGTERM');
    const gone = await Promise.race([new Promise((r) => sandbox!.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 15_000))]);
    if (!gone) process.kill(-sandbox.pid, 'SIGKILL');
  }
  if (passed || !full) rmSync(dir, { recursive: true, force: true });
}, 40_000);

describe.runIf(full)('chaos: agc and gmc SIGKILLed at random points (full)', () => {
  it(`runs ${JOBS} jobs through ≥ ${KILLS} kills, each job concluded once`, async () => {
    const tsx = createRequire(join(root, 'package.json')).resolve('tsx');
    sandbox = spawn(process.execPath, [
      '--import', tsx, '--conditions=source', join(root, 'packages/testkit/src/sandbox.ts'),
      '--source', '--second-group', process.env['AG_CHAOS_SECOND_GROUP'] ?? 'Classic', '--jobs', String(JOBS), '--job-duration', '3000', '--exit-when-done', '--plain', '--timeout', '2400', '--dir', join(dir, 'sandbox'),
    ], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    sandbox.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    sandbox.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => sandbox!.once('exit', (code) => resolve(code)));
    await until('the jobs queued', 240_000, () => state()?.jobs.length === JOBS);

    const random = seededRandom(Number(process.env['AG_CHAOS_SEED'] ?? 11));
    const kills: { host: string; at: number; recoveredMs: number }[] = [];
    const concluded = (): number => state()?.jobs.filter((j) => j.state === 'completed' || j.state === 'cancelled').length ?? 0;
    // Kill i lands once JOBS·i/(KILLS+1) jobs concluded, then after 0–5 s: the kills spread over the whole run.
    while (kills.length < KILLS && !state()?.allConcluded) {
      const due = Math.floor(((kills.length + 1) * JOBS) / (KILLS + 1));
      await until(`${due} jobs concluded before kill ${kills.length + 1}`, 600_000, () => concluded() >= due || state()?.allConcluded).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${diagnosis()}`);
      });
      await new Promise((r) => setTimeout(r, random() * 5_000));
      const host = random() < 0.7 ? 'agc-1' : 'gmc';
      const pid = await until(`${host} running`, 60_000, () => state()?.children[host]);
      const before = concluded();
      const at = Date.now();
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        // The state file named a process that is already gone (it lags a restart): pick again.
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') continue;
        throw err;
      }
      await until(`${host} restarted`, 60_000, () => {
        const now = state()?.children[host];
        return now !== undefined && now !== pid;
      });
      // Recovered: work moves again (one more job concluded), or nothing was left to do.
      await until(`jobs concluding after killing ${host}`, process.env['AG_CHAOS_SECOND_GROUP'] === 'ScaleSet' ? 900_000 : 180_000, () => concluded() > before || state()?.allConcluded).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${diagnosis()}`);
      });
      kills.push({ host, at, recoveredMs: Date.now() - at });
    }
    // Every job ends, a stranded one too: GitHub fails a job whose lock lapses (10 min) — counted as lost below.
    await until('every job concluded', 900_000, () => state()?.allConcluded).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${diagnosis()}`);
    });
    const code = await exited;
    const final = state()!;
    const lost = final.jobs.filter((j) => j.state !== 'completed' || j.conclusion !== 'succeeded' || j.completions < 1).length;
    const duplicated = final.jobs.filter((j) => j.timesAcquired > 1 || j.completions > 1).length;
    const worst = Math.max(...kills.map((k) => k.recoveredMs));
    console.log(
      `chaos host kills: jobs=${final.jobs.length} kills=${kills.length} (agc ${kills.filter((k) => k.host === 'agc-1').length}, gmc ${kills.filter((k) => k.host === 'gmc').length}) lost=${lost} duplicated=${duplicated} recovered_in=max ${(worst / 1000).toFixed(1)}s`,
    );
    expect(kills.length).toBeGreaterThanOrEqual(KILLS);
    expect(lost, out.slice(-3000)).toBe(0);
    expect(duplicated).toBe(0);
    expect(code, out.slice(-3000)).toBe(0);
    passed = true;
  }, 2_700_000);
});
