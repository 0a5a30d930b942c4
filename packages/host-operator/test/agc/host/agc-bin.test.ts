// The real `agc` bin (run from source through tsx): exit 2 with one line on bad flags or env, help on
// stdout, and exit 0 after SIGTERM once it ran; with a Classic and a ScaleSet group listening, SIGTERM hands
// every session back to GitHub (deleted there), leaves the scale-set state ConfigMap consistent (the scale
// set, the cursor of the last message acknowledged, the in-flight job's record kept for the successor, no
// session named that is gone), leaves the running worker alone, and exits within its 20 s grace. One
// process serves both tiers: a second bin start would cost the suite another 20 s.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeState, scaleSetStateName } from '../../../src/agc/scaleset/state-store.js';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from './agc-env.js';

const bin = fileURLToPath(new URL('../../../src/agc.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv, whileRunning?: (pid: number) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', bin, ...args], { env: { PATH: process.env['PATH'], ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    if (whileRunning) whileRunning(child.pid!).catch((err: unknown) => {
      child.kill('SIGKILL');
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

let env: AgcEnv;
beforeAll(async () => {
  env = await startAgcEnv();
});
afterAll(async () => {
  await env.close();
});

it('exits 2 with one line naming the problem, and prints --help on stdout', async () => {
  const bad = await run(['--bogus'], env.env());
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim()).toMatch(/^agc: Unknown option '--bogus'/);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  expect(bad.stdout).toBe('');
  const noNamespace = await run(env.args(), { GITHUB_ORG_URL: 'https://github.com/acme' });
  expect(noNamespace.code).toBe(2);
  expect(noNamespace.stderr.trim()).toMatch(/^POD_NAMESPACE must be set/);
  const help = await run(['--help'], {});
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^agc: /);
}, 120_000);

it('runs, becomes ready, and on SIGTERM stops polling, deletes its sessions of both tiers at GitHub and exits 0 within the grace', async () => {
  await env.objects.create(runnerGroup(env.namespace, 'term', { runnerLabels: ['self-hosted', 'term'], maxListeners: 2 }));
  await env.objects.create(runnerGroup(env.namespace, 'scale', { acquisitionProtocol: 'ScaleSet', runnerLabels: ['self-hosted', 'scale'] }));
  const github = env.github.control;
  const stateData = async (): Promise<Record<string, string>> => (await env.core.readNamespacedConfigMap({ namespace: env.namespace, name: scaleSetStateName('scale') })).data ?? {};
  const health = await freePort();
  const args = env.args().map((a, i, all) => (all[i - 1] === '--health-probe-bind-address' ? `127.0.0.1:${health}` : a));
  let termAt = 0;
  let scaleSet: { id: number; sessionId: string } | undefined;
  let job: { requestId: number; jobId: string } | undefined;
  let workerPod = '';
  const result = await run(args, env.env(), async (pid) => {
    await eventually(async () => (await fetch(`http://127.0.0.1:${health}/readyz`)).status === 200, 'bin ready', 60_000);
    await eventually(() => github.sessions().some((s) => s.status === 'active'), 'a session at GitHub', 90_000);
    const set = await eventually(() => github.scaleSets().find((s) => s.sessionId !== null), 'a scale-set session at GitHub', 90_000);
    scaleSet = { id: set.id, sessionId: set.sessionId! };
    await eventually(async () => (await stateData())['session'] === scaleSet!.sessionId, 'the scale-set session recorded in the state', 30_000);
    // A scale-set job in flight when the signal comes: its worker pod runs (nothing completes it here).
    job = github.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'scale'] });
    const running = await eventually(async () => {
      const pods = await env.core.listNamespacedPod({ namespace: env.namespace, labelSelector: 'actions-gateway/runner-group=scale' });
      return pods.items.find((p) => p.status?.phase === 'Running');
    }, 'the scale-set job\'s worker pod running', 60_000);
    workerPod = running.metadata!.name!;
    await eventually(async () => Object.keys(await stateData()).some((k) => k.startsWith('job.')), 'the job recorded in the state', 30_000);
    termAt = Date.now();
    process.kill(pid, 'SIGTERM');
  });
  expect(result.code, result.stderr).toBe(0);
  expect(Date.now() - termAt).toBeLessThan(20_000); // the agc's shutdown deadline
  expect(result.stdout.split('\n').filter(Boolean).every((l) => (JSON.parse(l) as { component?: string }).component === 'agc')).toBe(true);
  // Classic: every session deleted.
  expect(github.sessions().filter((s) => s.status === 'active')).toEqual([]);
  expect(github.requests().filter((r) => r.method === 'DELETE' && r.path === '/_broker/session').length).toBeGreaterThanOrEqual(1);
  // Scale set: its session deleted by this process, and forgotten in the state.
  expect(github.scaleSets().map((s) => s.sessionId), result.stdout.split('\n').slice(-10).join('\n')).toEqual([null]);
  expect(github.requests().filter((r) => r.method === 'DELETE' && r.path.endsWith(`/_apis/runtime/runnerscalesets/${scaleSet!.id}/sessions/${scaleSet!.sessionId}`)).map((r) => r.status)).toEqual([204]);
  const { state, problems } = decodeState(await stateData());
  expect(problems).toEqual([]);
  expect(state.scaleSet?.id).toBe(scaleSet!.id);
  const acknowledged = github.scaleSets()[0]!.messages.filter((m) => m.deleted).map((m) => m.messageId);
  expect(state.cursor).toBe(Math.max(0, ...acknowledged));
  expect([...state.jobs.values()].map((r) => r.jobId)).toEqual([job!.jobId]);
  expect(state.sessionId, 'the state names a session deleted at GitHub').toBeUndefined();
  // The worker keeps running: the job it holds is not handed to anyone else.
  expect((await env.core.readNamespacedPod({ namespace: env.namespace, name: workerPod })).metadata?.deletionTimestamp).toBeUndefined();
  expect(github.job(job!.requestId)?.timesAcquired).toBeLessThanOrEqual(1);
  // Nothing reaches GitHub once the process is gone.
  const exitedAt = Date.now();
  await new Promise((r) => setTimeout(r, 300));
  expect(github.requests().filter((r) => r.at > exitedAt)).toEqual([]);
}, 180_000);
