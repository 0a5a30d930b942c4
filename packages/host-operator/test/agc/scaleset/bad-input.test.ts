// The scale-set tier's bad input (issue 10): a scale set deleted behind the AGC's back, a session stolen by
// another process, a name taken by another tenant, a message the cursor already passed, a message that does
// not parse. Each is detected, logged, recovered without help and visible as a condition while it lasts.
import { ScaleSetSession } from '@actions-gateway/broker-client';
import type { ConditionInput } from '@actions-gateway/core';
import { afterEach, expect, it } from 'vitest';
import type { GroupListener } from '../../../src/agc/listener/group-listener.js';
import { createScaleSetListenerTier } from '../../../src/agc/scaleset/factory.js';
import { scaleSetStateName } from '../../../src/agc/scaleset/state-store.js';
import { NAMESPACE, startScaleSetEnv, waitFor, type ScaleSetEnv } from './scaleset-env.js';

let env: ScaleSetEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** Starts the tier recording every Degraded condition it reports through onChange. */
async function startTier(options: { podQuota?: number } = {}): Promise<{ env: ScaleSetEnv; listener: GroupListener; degraded: ConditionInput[] }> {
  env = await startScaleSetEnv({ podQuota: options.podQuota ?? 2, scaleSetSessionIdleMs: 60_000 });
  const degraded: ConditionInput[] = [];
  const started: { listener?: GroupListener } = {};
  const factory = createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 100, errorBackoffMs: 50 });
  const listener = env.start(factory, {
    onChange: () => {
      const c = started.listener?.conditions().find((x) => x.type === 'Degraded');
      if (c && (degraded.at(-1)?.reason !== c.reason || degraded.at(-1)?.status !== c.status)) degraded.push(c);
    },
  });
  started.listener = listener;
  return { env, listener, degraded };
}

const sessionOpen = (e: ScaleSetEnv) => e.fake.control.scaleSets().some((s) => s.sessionId !== null);

async function runOneJob(e: ScaleSetEnv): Promise<void> {
  const job = e.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
  await waitFor(`job ${job.requestId} to conclude`, () => e.fake.control.job(job.requestId)?.state === 'completed');
}

it('recreates a scale set deleted behind its back, reporting Degraded=ScaleSetDeleted while it does', async () => {
  const { env, listener, degraded } = await startTier();
  await waitFor('a session', () => sessionOpen(env));
  const [first] = env.fake.control.scaleSets();
  await env.app.scaleSets.deleteScaleSet(first!.id);
  await waitFor('a new scale set with a session', () => env.fake.control.scaleSets().some((s) => s.id !== first!.id && s.sessionId !== null));
  await runOneJob(env);
  expect(degraded.map((c) => `${c.status}:${c.reason}`)).toContain('True:ScaleSetDeleted');
  expect(listener.conditions().find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False', reason: 'Healthy' });
  expect(env.logs.some((l) => l.level === 'warn' && /deleted behind/.test(l.msg))).toBe(true);
  const cm = await env.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
  expect((JSON.parse(cm.data!.scaleSet!) as { id: number }).id).not.toBe(first!.id);
}, 60_000);

it('waits out a session stolen by another process (409), then takes the session back', async () => {
  const { env, listener, degraded } = await startTier();
  await waitFor('a session', () => sessionOpen(env));
  const [set] = env.fake.control.scaleSets();
  let thief: ScaleSetSession | undefined;
  for (let attempt = 0; attempt < 10 && !thief; attempt++) {
    const ours = env.fake.control.scaleSets()[0]!.sessionId;
    if (ours) env.fake.control.killSession(ours);
    thief = await ScaleSetSession.create(env.app.scaleSets, set!.id, 'another-agc', { conflictRetries: 0 }).catch(() => undefined);
  }
  expect(thief).toBeDefined();
  await waitFor('the conflict condition', () => listener.conditions().some((c) => c.type === 'Degraded' && c.reason === 'ScaleSetSessionConflict'));
  expect(listener.activeSessions()).toBe(0);
  await thief!.close();
  await waitFor('our session back', () => listener.activeSessions() === 1);
  await runOneJob(env);
  expect(degraded.map((c) => `${c.status}:${c.reason}`)).toEqual(expect.arrayContaining(['True:ScaleSetSessionConflict', 'False:Healthy']));
  expect(listener.conditions().find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False' });
}, 60_000);

it('frees the session a SIGKILLed predecessor left open instead of waiting minutes for it to expire', async () => {
  env = await startScaleSetEnv({ podQuota: 2, scaleSetSessionIdleMs: 600_000 });
  const kill = new AbortController();
  env.start(createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 100, errorBackoffMs: 50, killSignal: kill.signal }));
  await waitFor('a session', () => sessionOpen(env!));
  const leftOpen = env.fake.control.scaleSets()[0]!.sessionId!;
  await waitFor('the session in the state', async () => (await env!.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') })).data?.session === leftOpen);
  kill.abort(new Error('SIGKILL'));
  // GitHub would hold the dead session for ten minutes; the successor must not wait for that.
  const successor = env.start(createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 60_000, errorBackoffMs: 50 }));
  await waitFor('the successor\'s own session', () => successor.activeSessions() === 1, 15_000);
  const current = env.fake.control.scaleSets()[0]!.sessionId;
  expect(current).not.toBe(leftOpen);
  expect(env.fake.control.requests().some((r) => r.method === 'DELETE' && r.path.endsWith(`/sessions/${leftOpen}`))).toBe(true);
  expect(env.logs.some((l) => l.msg === 'deleted the scale-set session a previous AGC left open' && l.fields.session_id === leftOpen)).toBe(true);
  expect(env.logs.some((l) => /session held by another process/.test(l.msg))).toBe(false);
  await runOneJob(env);
}, 60_000);

it('never adopts a scale set of its name that another tenant owns; takes the name once it is free', async () => {
  env = await startScaleSetEnv({ podQuota: 2 });
  const foreign = await env.app.scaleSets.createScaleSet({ name: 'linux', runnerGroupId: 1, labels: ['other-tenant'] });
  const factory = createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 100, errorBackoffMs: 50 });
  const listener = env.start(factory);
  await waitFor('the name conflict', () => listener.conditions().some((c) => c.type === 'Degraded' && c.status === 'True' && c.reason === 'ScaleSetNameConflict'));
  expect(listener.activeSessions()).toBe(0);
  expect(env.fake.control.scaleSets().find((s) => s.id === foreign.id)?.sessionId).toBeNull();
  await env.app.scaleSets.deleteScaleSet(foreign.id);
  await waitFor('our own scale set', () => sessionOpen(env!));
  expect(env.fake.control.scaleSets()[0]!.labels.some((l) => l.startsWith('actions-gateway-'))).toBe(true);
  await runOneJob(env);
  expect(listener.conditions().find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False' });
}, 60_000);

it('skips a message the cursor already passed, and counts and survives one that does not parse', async () => {
  const { env, listener, degraded } = await startTier();
  await waitFor('a session', () => sessionOpen(env));
  await runOneJob(env);
  const cm = await env.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
  const cursor = Number(cm.data!.cursor);
  expect(cursor).toBeGreaterThan(0);
  // A replay of an old message: a JobAssigned for a job that must not get a pod.
  const ghost = '0f0f0f0f-0000-4000-8000-000000000001';
  const entries = [{ messageType: 'JobAssigned', runnerRequestId: 1, jobId: ghost, repositoryName: 'app', ownerName: 'acme', workflowRunId: 5, requestLabels: ['linux'] }];
  env.fake.control.inject({ method: 'GET', path: '/_broker/scalesets/message', action: { status: 200, rawBody: JSON.stringify({ messageId: cursor, messageType: 'RunnerScaleSetJobMessages', body: JSON.stringify(entries) }) } });
  await waitFor('the stale-message condition', () => degraded.some((c) => c.reason === 'ScaleSetStaleMessage'));
  // A message whose body is not a JSON array, and one whose entry has no jobId.
  const set = env.fake.control.scaleSets()[0]!;
  env.fake.control.pushScaleSetMessage(set.id, { body: 'not json' });
  env.fake.control.pushScaleSetMessage(set.id, { body: JSON.stringify([{ messageType: 'JobAssigned' }]) });
  await runOneJob(env);
  const text = await env.metrics.registry.metrics();
  expect(text).toContain(`actions_gateway_message_poll_errors_total{namespace="${NAMESPACE}",reason="other"} 2`);
  await waitFor('every message acknowledged', () => env.fake.control.scaleSets()[0]!.messages.every((m) => m.deleted));
  expect(await env.port.getPod(NAMESPACE, `runner-linux-${ghost}`)).toBeUndefined();
  expect(env.logs.some((l) => l.level === 'warn' && /cursor already passed/.test(l.msg))).toBe(true);
  expect(env.logs.filter((l) => l.level === 'error' && /does not parse/.test(l.msg))).toHaveLength(2);
  await waitFor('the condition to clear', () => listener.conditions().find((c) => c.type === 'Degraded')?.status === 'False');
  expect(listener.activeSessions()).toBe(1);
}, 60_000);

it('skips only the bad entry of a batch: counts and logs it, and acts on the entries beside it', async () => {
  const { env, listener } = await startTier();
  await waitFor('a session', () => sessionOpen(env));
  env.runners.enabled = false;
  const set = env.fake.control.scaleSets()[0]!;
  const neighbour = '0f0f0f0f-0000-4000-8000-0000000000aa';
  const entries = [
    { messageType: 'JobStarted', runnerRequestId: 3, runnerName: 'someone' },
    { messageType: 'JobAssigned', runnerRequestId: 4, jobId: neighbour, repositoryName: 'app', ownerName: 'acme', workflowRunId: 9, requestLabels: ['linux'] },
  ];
  env.fake.control.pushScaleSetMessage(set.id, { body: JSON.stringify(entries) });
  await waitFor('a pod for the good entry', async () => (await env.port.getPod(NAMESPACE, `runner-linux-${neighbour}`)) !== undefined);
  expect(await env.metrics.registry.getSingleMetricAsString('actions_gateway_message_poll_errors_total')).toContain(`{namespace="${NAMESPACE}",reason="other"} 1`);
  const logged = env.logs.filter((l) => l.level === 'error' && l.msg === 'scale-set message entry does not parse; skipped');
  expect(logged).toHaveLength(1);
  expect(logged[0]!.fields).toMatchObject({ entry_index: 0 });
  expect(String((logged[0]!.fields.err as Error).message)).toMatch(/no jobId/);
  await waitFor('the message acknowledged', () => env.fake.control.scaleSets()[0]!.messages.every((m) => m.deleted));
  expect(listener.activeSessions()).toBe(1);
}, 60_000);
