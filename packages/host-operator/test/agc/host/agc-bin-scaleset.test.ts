// The real `agc` bin with a ScaleSet group (the classic tier's twin is in agc-bin.test.ts): on SIGTERM it
// deletes its scale-set session at GitHub, leaves the state ConfigMap consistent (the scale set it is bound
// to, the cursor of the last message it acknowledged, the in-flight job's record kept for its successor, no
// session named that no longer exists), leaves the running worker alone, and exits 0 within its 20 s grace.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeState, scaleSetStateName } from '../../../src/agc/scaleset/state-store.js';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from './agc-env.js';

const bin = fileURLToPath(new URL('../../../src/agc.ts', import.meta.url));
const GROUP = 'scale';
/** The agc's shutdown deadline (main.ts). */
const GRACE_MS = 20_000;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

let env: AgcEnv;
beforeAll(async () => {
  env = await startAgcEnv({ namespace: 'team-s' });
});
afterAll(async () => {
  await env.close();
});

async function stateData(): Promise<Record<string, string>> {
  const cm = await env.core.readNamespacedConfigMap({ namespace: env.namespace, name: scaleSetStateName(GROUP) });
  return cm.data ?? {};
}

it('on SIGTERM deletes the scale-set session at GitHub, keeps the state ConfigMap consistent and exits 0 within the grace', async () => {
  await env.objects.create(runnerGroup(env.namespace, GROUP, { acquisitionProtocol: 'ScaleSet', runnerLabels: ['self-hosted', GROUP] }));
  const github = env.github.control;
  const health = await freePort();
  const args = env.args().map((a, i, all) => (all[i - 1] === '--health-probe-bind-address' ? `127.0.0.1:${health}` : a));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', bin, ...args], { env: { PATH: process.env['PATH'], ...env.env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(async () => (await fetch(`http://127.0.0.1:${health}/readyz`)).status === 200, 'bin ready', 60_000);
    const set = await eventually(() => github.scaleSets().find((s) => s.sessionId !== null), 'a scale-set session at GitHub', 90_000);
    const sessionId = set.sessionId!;
    await eventually(async () => (await stateData())['session'] === sessionId, 'the session recorded in the state', 30_000);

    // One job in flight when the signal comes: its worker pod runs (nothing completes it here).
    const job = github.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', GROUP] });
    const pod = await eventually(async () => {
      const pods = await env.core.listNamespacedPod({ namespace: env.namespace, labelSelector: `actions-gateway/runner-group=${GROUP}` });
      return pods.items.find((p) => p.status?.phase === 'Running');
    }, 'the job\'s worker pod running', 60_000);
    await eventually(async () => Object.keys(await stateData()).some((k) => k.startsWith('job.')), 'the job recorded in the state', 30_000);

    const termAt = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(Date.now() - termAt).toBeLessThan(GRACE_MS);

    // The session is gone at GitHub, deleted by this process.
    expect(github.scaleSets().map((s) => s.sessionId), stdout.split('\n').slice(-10).join('\n')).toEqual([null]);
    expect(github.requests().filter((r) => r.method === 'DELETE' && r.path.endsWith(`/_apis/runtime/runnerscalesets/${set.id}/sessions/${sessionId}`)).map((r) => r.status)).toEqual([204]);
    // The state: every key parses, bound to the scale set, the cursor at the last message it acknowledged,
    // the in-flight job kept (its successor adopts it), and no session that no longer exists.
    const data = await stateData();
    const { state, problems } = decodeState(data);
    expect(problems).toEqual([]);
    expect(state.scaleSet?.id).toBe(set.id);
    const acknowledged = github.scaleSets()[0]!.messages.filter((m) => m.deleted).map((m) => m.messageId);
    expect(state.cursor).toBe(Math.max(0, ...acknowledged));
    expect([...state.jobs.values()].map((r) => r.jobId)).toEqual([job.jobId]);
    expect(state.sessionId, 'the state names a session deleted at GitHub').toBeUndefined();
    // The worker keeps running: the job it holds is not handed to anyone else.
    const after = await env.core.readNamespacedPod({ namespace: env.namespace, name: pod.metadata!.name! });
    expect(after.metadata?.deletionTimestamp).toBeUndefined();
    expect(github.job(job.requestId)?.timesAcquired).toBeLessThanOrEqual(1);
    expect(stdout.split('\n').filter(Boolean).every((l) => (JSON.parse(l) as { component?: string }).component === 'agc')).toBe(true);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}, 180_000);
