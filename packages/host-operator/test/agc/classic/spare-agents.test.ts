// Burst throughput of the classic tier: a session that acquired a job hands the job its session and polls on
// at once with a pre-registered spare agent, while the spent agent is replaced in the background; the job
// runs beside the loops. Spares are registered runners and Secrets like every agent: deleting the group
// removes them all, even with a replacement under way.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LABELS, NAMESPACE, metricValue, startClassicEnv, waitFor, workerPods, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv;
// Worker pods stay Pending for a minute: a job that is not detached would hold its session loop that long.
beforeEach(async () => {
  env = await startClassicEnv({ kubelet: { startDelayMs: 60_000 } });
});
afterEach(async () => env.close());

const REGISTER = '/orgs/acme/actions/runners/generate-jitconfig';
const registered = (name: string): number => env.fake.control.requests().filter((r) => r.path === REGISTER && r.status === 201 && (r.body as { name?: string }).name === name).length;
const activeSessionOf = (name: string) => env.fake.control.sessions().find((s) => s.ownerName === name && s.status === 'active');
const agentSecrets = async (): Promise<string[]> =>
  (await env.core.listNamespacedSecret({ namespace: NAMESPACE, labelSelector: 'actions-gateway/runner-group=linux,actions-gateway/agent-index' })).items.map((s) => s.metadata?.name ?? '').sort();

it('polls on at once on a spare agent after an acquire, replaces the spent agent in the background, and claims the next job while the first runs', async () => {
  const { listener } = await env.startListener({ spec: { maxListeners: 1 }, spareAgents: 1 });
  await waitFor(() => listener.activeSessions() === 1 && listener.agents() === 2 && listener.readyAgents() === 1, 'a session and a spare');
  expect(await agentSecrets()).toEqual(['agentpool-linux-0', 'agentpool-linux-1']);
  expect(activeSessionOf('linux-0')).toBeDefined();

  // From now on GitHub takes 3 s to register a runner: a loop waiting for its replacement would be 3 s late.
  env.fake.control.inject({ method: 'POST', path: REGISTER, action: { latencyMs: 3_000 }, always: true });
  const first = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 600_000 });
  const spareSession = await waitFor(() => activeSessionOf('linux-1'), 'a listening session on the spare', 15_000);
  // The spare's session opened before the spent agent's replacement was registered.
  expect(registered('linux-0')).toBe(1);
  expect(env.fake.control.job(first.requestId)?.timesAcquired).toBe(1);
  await waitFor(() => listener.activeSessions() === 1, 'the spare\'s session counted');

  // The first job's pod is still Pending, and its session (kept for its cancellation) still open: the loop claims the next job anyway.
  const second = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 600_000 });
  await waitFor(() => env.fake.control.job(second.requestId)?.acquiredBy?.sessionId === spareSession.sessionId, 'the second job claimed on the spare\'s session', 15_000);
  await waitFor(async () => (await workerPods(env)).length === 2, 'two worker pods', 15_000);
  expect((await workerPods(env)).map((p) => p.phase)).toEqual(['Pending', 'Pending']);
  const jobSessions = [first, second].map((j) => env.fake.control.job(j.requestId)!.acquiredBy!.sessionId);
  for (const id of jobSessions) expect(env.fake.control.sessions().find((s) => s.sessionId === id)?.status).toBe('active');

  // Both spent agents come back under their names in the background, counted as post_job recycles.
  await waitFor(async () => (await metricValue(env.metrics, 'actions_gateway_agent_recycles_total', { trigger: 'post_job' })) === 2, 'two replacements', 15_000);
  expect(registered('linux-0')).toBe(2);
  expect(registered('linux-1')).toBe(2);
  expect(env.fake.control.runners().filter((r) => r.state === 'registered').map((r) => r.name).sort()).toEqual(['linux-0', 'linux-1']);

  // Shutdown ends the loops and the jobs' sessions; the pods and the agents' Secrets stay for the next AGC.
  await listener.stop('shutdown');
  expect(env.fake.control.sessions().filter((s) => s.status === 'active')).toEqual([]);
  expect(await workerPods(env)).toHaveLength(2);
  expect(await agentSecrets()).toEqual(['agentpool-linux-0', 'agentpool-linux-1']);
  expect(await metricValue(env.metrics, 'actions_gateway_active_sessions', { runner_group: 'linux' })).toBe(0);
});

it('deleting the group deregisters every agent, spares included, and deletes every Secret, even with a replacement under way', async () => {
  const { listener } = await env.startListener({ spec: { maxListeners: 1 }, spareAgents: 2 });
  await waitFor(() => listener.activeSessions() === 1 && listener.agents() === 3, 'a session and two spares');
  expect(env.fake.control.runners().filter((r) => r.state === 'registered')).toHaveLength(3);
  expect(await agentSecrets()).toEqual(['agentpool-linux-0', 'agentpool-linux-1', 'agentpool-linux-2']);

  env.fake.control.inject({ method: 'POST', path: REGISTER, action: { latencyMs: 1_500 }, always: true });
  const job = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 600_000 });
  await waitFor(() => env.fake.control.job(job.requestId)?.timesAcquired === 1, 'the job claimed', 15_000);
  // The spent agent's replacement is at GitHub, not answered yet, when the group goes.
  await waitFor(() => env.fake.control.requests().some((r) => r.path === REGISTER && r.status === 0 && (r.body as { name?: string }).name === 'linux-0'), 'the replacement under way', 15_000);
  await listener.stop('deleted');
  // Whatever GitHub still had in hand has landed (a replacement finishing after the clean-up would show now).
  await waitFor(() => !env.fake.control.requests().some((r) => r.path === REGISTER && r.status === 0), 'no registration in flight', 15_000);
  await new Promise((r) => setTimeout(r, 200));

  expect(env.fake.control.runners().filter((r) => r.state === 'registered')).toEqual([]);
  expect(await agentSecrets()).toEqual([]);
  expect(env.fake.control.sessions().filter((s) => s.status === 'active')).toEqual([]);
  // The replacement did finish (the runner it registered was then deregistered with the rest).
  expect(registered('linux-0')).toBe(2);
});

it('opens the first session on the first agent registered, while the rest of the pool still registers', async () => {
  // GitHub is slow for the first three registrations (whichever agents they are) and quick for the fourth.
  env.fake.control.inject({ method: 'POST', path: REGISTER, action: { latencyMs: 3_000 }, times: 3 });
  const { listener } = await env.startListener({ spec: { maxListeners: 1 }, spareAgents: 3 });
  const registeredWhenListening = await waitFor(() => {
    const session = env.fake.control.sessions().find((s) => s.status === 'active');
    return session && env.fake.control.requests().filter((r) => r.path === REGISTER && r.status === 201).length;
  }, 'a listening session', 15_000);
  expect(registeredWhenListening).toBe(1);
  expect(env.fake.control.requests().filter((r) => r.path === REGISTER)).toHaveLength(4);
  await waitFor(() => listener.agents() === 4, 'the whole pool', 15_000);
});

it('grows and shrinks the agent pool when spec.spareAgents changes', async () => {
  const { listener, group } = await env.startListener({ spec: { maxListeners: 1 } });
  await waitFor(() => listener.activeSessions() === 1 && listener.agents() === 1, 'one agent, no spare');
  const withSpares = (spareAgents: number) => ({ ...group, runnerGroup: { ...group.runnerGroup, spec: { ...group.runnerGroup.spec, spareAgents } } });
  listener.update(withSpares(2));
  await waitFor(() => listener.agents() === 3 && listener.readyAgents() === 2, 'two spares registered');
  expect(await agentSecrets()).toEqual(['agentpool-linux-0', 'agentpool-linux-1', 'agentpool-linux-2']);
  listener.update(withSpares(0));
  await waitFor(() => listener.agents() === 1, 'the spares removed');
  expect(await agentSecrets()).toEqual(['agentpool-linux-0']);
  expect(listener.activeSessions()).toBe(1);
});
