// The scale-set tier end to end: testkit API server + fake GitHub in both assignment modes, stand-in runners.
import { afterEach, describe, expect, it } from 'vitest';
import { createScaleSetListenerTier } from '../../../src/agc/scaleset/factory.js';
import { scaleSetStateName } from '../../../src/agc/scaleset/state-store.js';
import { NAMESPACE, startScaleSetEnv, waitFor, type ScaleSetEnv } from './scaleset-env.js';

let env: ScaleSetEnv | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && process.env.SCALESET_DEBUG) for (const l of env?.logs ?? []) if (l.level !== 'debug') console.log(l.level, l.msg, JSON.stringify(l.fields).slice(0, 400));
  if (ctx.task.result?.state === 'fail' && process.env.SCALESET_DEBUG) console.log(JSON.stringify(env?.fake.control.jobs().map((j) => [j.requestId, j.state, (j as unknown as Record<string, unknown>).scaleSetState])), JSON.stringify(env?.fake.control.scaleSets()));
  await env?.close();
  env = undefined;
});

const concluded = (e: ScaleSetEnv) => e.fake.control.jobs().filter((j) => j.state === 'completed');

describe.each(['auto', 'acquire'] as const)('the scale-set tier in %s mode', (mode) => {
  it('runs queued jobs in worker pods, never advertising or holding more than the quota allows', async () => {
    env = await startScaleSetEnv({ podQuota: 3 });
    env.fake.control.setScaleSetMode(mode);
    const factory = createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 200, errorBackoffMs: 50 });
    const listener = env.start(factory);
    await waitFor('the scale set', () => env!.fake.control.scaleSets().length === 1);
    for (let i = 0; i < 10; i++) env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
    await waitFor('10 conclusions', () => concluded(env!).length === 10, 60_000);

    const [set] = env.fake.control.scaleSets();
    expect(set).toMatchObject({ name: 'linux' });
    expect(set!.labels).toEqual(expect.arrayContaining(['linux', 'self-hosted']));
    // GitHub never saw more than the quota's 3 pods as capacity, nor held more than 3 jobs at once.
    const advertised = env.fake.control.requests().filter((r) => r.scaleSetMaxCapacity !== undefined).map((r) => r.scaleSetMaxCapacity!);
    expect(advertised.length).toBeGreaterThan(0);
    expect(Math.max(...advertised)).toBeLessThanOrEqual(3);
    expect(Math.max(...advertised)).toBe(3);
    expect(set!.peakAssigned).toBeLessThanOrEqual(3);
    // Each job concluded once and went through exactly one runner.
    for (const job of env.fake.control.jobs()) expect(job).toMatchObject({ state: 'completed', timesAcquired: 1 });
    await waitFor('10 stand-in runners done', () => new Set(env!.runners.completed.map((c) => c.jobId)).size === 10);
    expect(listener.activeSessions()).toBe(1);
    // Every settled job is forgotten; the cursor is stored.
    await waitFor('the state to settle', async () => {
      const cm = await env!.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
      return Object.keys(cm.data ?? {}).filter((k) => k.startsWith('job.')).length === 0;
    });
    const cm = await env.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
    expect(JSON.parse(cm.data!.scaleSet!)).toMatchObject({ id: set!.id, name: 'linux', runnerGroupId: 1 });
    expect(Number(cm.data!.cursor)).toBeGreaterThan(0);
    expect(cm.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'RunnerGroup', name: 'linux', uid: env.runnerGroup.metadata.uid });
    const text = await env.metrics.registry.metrics();
    expect(text).toContain(`actions_gateway_active_sessions{namespace="${NAMESPACE}",runner_group="linux"} 1`);
    expect(text).toContain(`actions_gateway_jobs_acquired_total{namespace="${NAMESPACE}",runner_group="linux"} 10`);
    expect(text).toMatch(/actions_gateway_job_duration_seconds_count\{namespace="ci",runner_group="linux"\} 10/);
    expect(text).toMatch(/actions_gateway_pod_creation_latency_seconds_count\{namespace="ci"\} 10/);
    expect(listener.conditions()).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Degraded', status: 'False' })]));
  }, 90_000);
});

it('on shutdown deletes its session at GitHub and forgets it in the state, so its successor opens one at once', async () => {
  env = await startScaleSetEnv();
  const factory = createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 200, errorBackoffMs: 50 });
  const state = async (): Promise<Record<string, string>> => (await env!.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') })).data ?? {};
  const first = env.start(factory);
  await waitFor('a session recorded in the state', async () => {
    const open = env!.fake.control.scaleSets()[0]?.sessionId;
    return typeof open === 'string' && (await state())['session'] === open;
  });
  const sessionId = env.fake.control.scaleSets()[0]!.sessionId!;
  await first.stop('shutdown');
  expect(env.fake.control.scaleSets().map((s) => s.sessionId)).toEqual([null]);
  expect(env.fake.control.requests().filter((r) => r.method === 'DELETE' && r.path.endsWith(`/sessions/${sessionId}`)).map((r) => r.status)).toEqual([204]);
  expect((await state())['session']).toBeUndefined();
  // The successor has nothing left to free: it opens its session without a DELETE or a 409.
  const before = env.fake.control.requests().length;
  env.start(factory);
  await waitFor('the successor\'s session', () => typeof env!.fake.control.scaleSets()[0]?.sessionId === 'string');
  const since = env.fake.control.requests().slice(before);
  expect(since.filter((r) => r.method === 'DELETE' || r.status === 409)).toEqual([]);
}, 60_000);
