// The heal ladder against the fake GitHub: a killed session is re-created for the same agent, a consumed or
// refused agent is recycled, and the Degraded and RunnerVersionTooOld conditions follow and clear.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { metricValue, startClassicEnv, waitFor, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv;
beforeEach(async () => {
  env = await startClassicEnv();
});
afterEach(async () => env.close());

const active = () => env.fake.control.sessions().filter((s) => s.status === 'active');
const recycles = (trigger: string) => metricValue(env.metrics, 'actions_gateway_agent_recycles_total', { namespace: 'ci', runner_group: 'linux', trigger });

it('re-creates a killed session for the same agent, without recycling it', async () => {
  const { listener } = await env.startListener();
  const first = await waitFor(() => active()[0], 'the first session');
  env.fake.control.killSession(first.sessionId);
  const second = await waitFor(() => active().find((s) => s.sessionId !== first.sessionId), 'a new session');
  expect(second.runnerId).toBe(first.runnerId);
  // The fake lists the session before its answer reaches the listener: give the listener that moment.
  await waitFor(() => listener.activeSessions() === 1, 'the listener to count its new session');
  expect(await recycles('stale_session')).toBe(0);
  expect(await metricValue(env.metrics, 'actions_gateway_active_sessions', { runner_group: 'linux' })).toBe(1);
});

it('heals after three empty 200 polls in a row (the consumed-JIT signature)', async () => {
  const { listener } = await env.startListener();
  const first = await waitFor(() => active()[0], 'the first session');
  env.fake.control.inject({ method: 'GET', path: '/_broker/message', action: { status: 200, shape: 'empty' }, times: 3 });
  const second = await waitFor(() => active().find((s) => s.sessionId !== first.sessionId), 'a new session after the heal');
  expect(env.fake.control.sessions().find((s) => s.sessionId === first.sessionId)?.status).toBe('deleted');
  expect(second.runnerId).toBe(first.runnerId); // the registration still works: no recycle needed
  // The fake lists the session before its answer reaches the listener: give the listener that moment.
  await waitFor(() => listener.activeSessions() === 1, 'the listener to count its new session');
  expect(env.logger.text()).toContain('empty 200 polls in a row');
});

it('recycles an agent GitHub consumed behind its back (stale_session), and a stale agent at startup (startup)', async () => {
  const { listener } = await env.startListener();
  const first = await waitFor(() => active()[0], 'the first session');
  env.fake.control.consumeRunner(first.runnerId);
  const second = await waitFor(() => active().find((s) => s.runnerId !== first.runnerId), 'a session for a new runner');
  expect(await recycles('stale_session')).toBe(1);
  expect(env.fake.control.runners().find((r) => r.id === second.runnerId)?.name).toBe('linux-0');
  await listener.stop('shutdown');

  // A new AGC finds the agent in its Secret, but GitHub consumed it meanwhile: the startup heal recycles it.
  env.fake.control.consumeRunner(second.runnerId);
  const next = await env.startListener({ groupName: 'linux', reuse: true });
  const third = await waitFor(() => active().find((s) => s.runnerId !== second.runnerId), 'a session after the startup heal');
  expect(third.runnerId).not.toBe(first.runnerId);
  expect(await recycles('startup')).toBe(1);
  await waitFor(() => next.listener.activeSessions() === 1, 'the new listener to count its session');
});

it('sets Degraded=True on an unauthorized session create and clears it once a recycled agent gets a session', async () => {
  env.fake.control.inject({ method: 'POST', path: '/_broker/session', action: { status: 403, shape: 'broker', message: 'Forbidden' }, times: 2 });
  const { listener, changes } = await env.startListener();
  const degraded = () => listener.conditions().find((c) => c.type === 'Degraded');
  await waitFor(() => degraded()?.status === 'True', 'Degraded=True');
  expect(degraded()).toMatchObject({ reason: 'Unauthorized' });
  await waitFor(() => degraded()?.status === 'False', 'Degraded cleared', 10_000);
  expect(degraded()?.reason).toMatch(/^(AgentRecycled|Healthy)$/);
  expect(listener.activeSessions()).toBe(1);
  expect(await recycles('startup')).toBeGreaterThanOrEqual(1);
  expect(changes.count).toBeGreaterThan(0);
});

it('sets RunnerVersionTooOld when GitHub refuses the version, and clears it once a session is created', async () => {
  env.fake.control.inject({ method: 'POST', path: '/_broker/session', action: { status: 400, shape: 'broker', message: 'Runner version v2.330.0 is too old' }, times: 1 });
  const { listener } = await env.startListener({ timings: { versionRetryMs: 300 } });
  const condition = () => listener.conditions().find((c) => c.type === 'RunnerVersionTooOld');
  await waitFor(() => condition()?.status === 'True', 'RunnerVersionTooOld=True');
  expect(condition()).toMatchObject({ reason: 'VersionTooOld' });
  expect(listener.activeSessions()).toBe(0);
  await waitFor(() => condition()?.status === 'False', 'RunnerVersionTooOld cleared');
  expect(condition()).toMatchObject({ reason: 'VersionAccepted' });
  expect(listener.activeSessions()).toBe(1);

  // The broker's own refusal on a poll (errorKind RunnerVersionTooOld) sets it again; the next session clears it.
  const session = active()[0]!;
  env.fake.control.inject({ method: 'GET', path: '/_broker/message', action: { status: 403, shape: 'broker', errorKind: 'RunnerVersionTooOld', message: 'Runner version v2.330.0 is deprecated and cannot receive messages.' }, times: 1 });
  await waitFor(() => condition()?.status === 'True', 'RunnerVersionTooOld=True after a poll refusal');
  await waitFor(() => condition()?.status === 'False' && active().some((s) => s.sessionId !== session.sessionId), 'a new session clears it');
});
