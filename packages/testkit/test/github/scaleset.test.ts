// The scale-set protocol as a listener and its per-job runners speak it, in both assignment modes.
import { afterEach, describe, expect, it } from 'vitest';
import { call, json, until } from './runner-support.js';
import { connectWith, poll, world, type World } from './setup.js';

let w: World | undefined;
afterEach(async () => {
  await w?.fake.close();
  w = undefined;
});

interface QueueMsg { messageId: number; messageType: string; body: string; statistics: Record<string, number> }
type Entry = Record<string, unknown> & { messageType: string; runnerRequestId: number; jobId: string };

async function bootstrap(w: World): Promise<{ admin: string; base: string; setId: number; queueUrl: string; queueToken: string; sessionId: string }> {
  const reg = await json<{ token: string }>(await call('POST', `${w.fake.apiUrl}/orgs/acme/actions/runners/registration-token`, w.inst));
  const hop = await fetch(`${w.fake.apiUrl}/actions/runner-registration`, {
    method: 'POST', headers: { authorization: `RemoteAuth ${reg.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://github.com/acme', runner_event: 'register' }),
  });
  expect(hop.status).toBe(200);
  const { url: base, token: admin } = await json<{ url: string; token: string }>(hop);
  const groups = await json<{ count: number; value: { id: number; name: string }[] }>(await call('GET', `${base}/_apis/runtime/runnergroups/?groupName=Default&api-version=6.0-preview`, admin));
  expect(groups.value[0]).toMatchObject({ id: 1, name: 'Default' });
  const set = await json<{ id: number; name: string }>(await call('POST', `${base}/_apis/runtime/runnerscalesets?api-version=6.0-preview`, admin, {
    name: 'arc-set', runnerGroupId: 1, labels: [{ name: 'arc-set', type: 'System' }], RunnerSetting: { Ephemeral: true, DisableUpdate: true },
  }));
  const sres = await call('POST', `${base}/_apis/runtime/runnerscalesets/${set.id}/sessions?api-version=6.0-preview`, admin, { ownerName: 'listener-0' });
  expect(sres.status).toBe(200);
  const s = await json<{ sessionId: string; messageQueueUrl: string; messageQueueAccessToken: string }>(sres);
  const dup = await call('POST', `${base}/_apis/runtime/runnerscalesets/${set.id}/sessions?api-version=6.0-preview`, admin, { ownerName: 'listener-1' });
  expect(dup.status).toBe(409);
  expect(await json(dup)).toMatchObject({ typeName: expect.stringContaining('Exception') as unknown });
  return { admin, base, setId: set.id, queueUrl: s.messageQueueUrl, queueToken: s.messageQueueAccessToken, sessionId: s.sessionId };
}

function qpoll(q: { queueUrl: string; queueToken: string }, capacity: number, last = 0): Promise<Response> {
  return call('GET', `${q.queueUrl}${last ? `?lastMessageId=${last}` : ''}`, q.queueToken, undefined, { accept: 'application/json; api-version=6.0-preview', 'X-ScaleSetMaxCapacity': String(capacity) });
}

async function runJobOnJitRunner(w: World, q: { base: string; admin: string; setId: number }, name: string, conclusion: string): Promise<void> {
  const jit = await json<{ runner: { id: number }; encodedJITConfig: string }>(
    await call('POST', `${q.base}/_apis/runtime/runnerscalesets/${q.setId}/generatejitconfig?api-version=6.0-preview`, q.admin, { name, workFolder: '_work' }));
  const r = await connectWith(w, jit.encodedJITConfig, jit.runner.id, name);
  const req = JSON.parse((await json<{ body: string }>(await poll(r))).body) as { runner_request_id: string; run_service_url: string };
  const msg = await json<{ plan: { planId: string }; jobId: string; resources: { endpoints: { url: string; authorization: { parameters: { AccessToken: string } } }[] } }>(
    await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id }));
  const ep = msg.resources.endpoints[0]!;
  expect((await call('POST', `${ep.url}completejob`, ep.authorization.parameters.AccessToken, { planId: msg.plan.planId, jobId: msg.jobId, conclusion })).status).toBe(204);
}

describe('scale sets', () => {
  it('auto-assigns (dotcom): capacity gates JobAssigned per poll, unacked messages replay, per-job JIT runners report JobStarted/JobCompleted', async () => {
    w = await world();
    const q = await bootstrap(w);
    w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['arc-set'], runId: 900 });
    w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['arc-set'], runId: 901 });

    const zero = qpoll(q, 0);
    await until(() => w!.fake.control.heldPolls() === 1, 'held queue poll');
    w.clock.advance(500);
    expect((await zero).status).toBe(202);

    const first = await json<QueueMsg>(await qpoll(q, 1));
    expect(first.messageType).toBe('RunnerScaleSetJobMessages');
    const entries = JSON.parse(first.body) as Entry[];
    expect(entries.map((e) => e.messageType)).toEqual(['JobAssigned']);
    expect(first.statistics.totalAssignedJobs).toBe(1);
    const replay = await json<QueueMsg>(await qpoll(q, 1));
    expect(replay.messageId).toBe(first.messageId);
    expect((await call('DELETE', `${q.queueUrl}/${first.messageId}`, q.queueToken)).status).toBe(204);

    // The acquirejobs route does not exist on the dotcom broker host.
    const acq = await call('POST', `${q.base}/_apis/runtime/runnerscalesets/${q.setId}/acquirejobs?api-version=6.0-preview`, q.queueToken, [1]);
    expect(acq.status).toBe(404);
    expect(await acq.text()).toBe('404 page not found');

    await runJobOnJitRunner(w, q, 'arc-set-runner-1', 'failed');
    const events = await json<QueueMsg>(await qpoll(q, 1, first.messageId));
    expect((JSON.parse(events.body) as Entry[]).map((e) => e.messageType)).toEqual(['JobStarted']);
    const done = await json<QueueMsg>(await qpoll(q, 1, events.messageId));
    const completed = JSON.parse(done.body) as Entry[];
    expect(completed[0]).toMatchObject({ messageType: 'JobCompleted', result: 'failed' });
    // Capacity 1 and nothing open: the second job is assigned now.
    const next = await json<QueueMsg>(await qpoll(q, 1, done.messageId));
    expect((JSON.parse(next.body) as Entry[])[0]).toMatchObject({ messageType: 'JobAssigned', workflowRunId: 901 });

    // PATCH rotates the queue token; the old one is refused.
    const patched = await json<{ sessionId: string; messageQueueAccessToken: string }>(
      await call('PATCH', `${q.base}/_apis/runtime/runnerscalesets/${q.setId}/sessions/${q.sessionId}?api-version=6.0-preview`, q.admin));
    expect(patched.sessionId).toBe(q.sessionId);
    expect(patched.messageQueueAccessToken).not.toBe(q.queueToken);
    expect((await qpoll(q, 1)).status).toBe(401);
  });

  it('acquire mode (GHES): JobAvailable, acquirejobs claims once with the queue token, then JobAssigned', async () => {
    w = await world();
    w.fake.control.setScaleSetMode('acquire');
    const q = await bootstrap(w);
    const job = w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['arc-set'] });
    const avail = await json<QueueMsg>(await qpoll(q, 5));
    const e = (JSON.parse(avail.body) as Entry[])[0]!;
    expect(e).toMatchObject({ messageType: 'JobAvailable', runnerRequestId: job.requestId });
    expect(String(e.acquireJobUrl)).toContain(`/runnerscalesets/${q.setId}/acquirejobs`);
    const withAdmin = await call('POST', String(e.acquireJobUrl), q.admin, [job.requestId]);
    expect(withAdmin.status).toBe(401);
    const won = await json<{ count: number; value: number[] }>(await call('POST', String(e.acquireJobUrl), q.queueToken, [job.requestId]));
    expect(won).toEqual({ count: 1, value: [job.requestId] });
    expect(await json(await call('POST', String(e.acquireJobUrl), q.queueToken, [job.requestId]))).toEqual({ count: 0, value: [] });
    const assigned = await json<QueueMsg>(await qpoll(q, 5, avail.messageId));
    expect((JSON.parse(assigned.body) as Entry[])[0]).toMatchObject({ messageType: 'JobAssigned', runnerRequestId: job.requestId });
    await runJobOnJitRunner(w, q, 'ghes-runner-1', 'succeeded');
    expect(w.fake.control.job(job.requestId)).toMatchObject({ state: 'completed', conclusion: 'succeeded' });
  });

  it('assigns a job that was queued before its scale set existed, and derives statistics from job states', async () => {
    w = await world();
    const early = w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['arc-set'] });
    const q = await bootstrap(w);
    const msg = await json<QueueMsg>(await qpoll(q, 2));
    expect((JSON.parse(msg.body) as Entry[])[0]).toMatchObject({ messageType: 'JobAssigned', runnerRequestId: early.requestId });
    expect(msg.statistics).toMatchObject({ totalAssignedJobs: 1, totalRunningJobs: 0, totalRegisteredRunners: 0 });
    expect(w.fake.control.scaleSets()[0]).toMatchObject({ name: 'arc-set', sessionId: q.sessionId });
  });

  it('expires the admin JWT early when the switch is on, with InvalidTokenException', async () => {
    w = await world();
    w.fake.control.setAdminJwtEarlyExpiry(true);
    const q = await bootstrap(w);
    const claims = JSON.parse(Buffer.from(q.admin.split('.')[1]!, 'base64url').toString()) as { exp: number };
    expect(claims.exp * 1000 - w.clock.now()).toBeGreaterThan(3_000_000);
    w.clock.advance(1_000_001);
    const res = await call('GET', `${q.base}/_apis/runtime/runnerscalesets/${q.setId}?api-version=6.0-preview`, q.admin);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ typeName: 'InvalidTokenException' });
  });

  it('pages the agents list: $top runners a page, x-ms-continuationtoken while more follow', async () => {
    w = await world();
    const q = await bootstrap(w);
    const made: number[] = [];
    for (let i = 0; i < 5; i++) {
      const jit = await json<{ runner: { id: number } }>(await call('POST', `${q.base}/_apis/runtime/runnerscalesets/${q.setId}/generatejitconfig?api-version=6.0-preview`, q.admin, { name: `r-${i}`, workFolder: '_work' }));
      made.push(jit.runner.id);
    }
    const seen: number[] = [];
    const tokens: string[] = [];
    let token: string | null = null;
    do {
      const res = await call('GET', `${q.base}/_apis/distributedtask/pools/0/agents?$top=2${token ? `&continuationToken=${token}` : ''}`, q.admin);
      expect(res.status).toBe(200);
      token = res.headers.get('x-ms-continuationtoken');
      if (token) tokens.push(token);
      const page = await json<{ count: number; value: { id: number; runnerScaleSetId: number }[] }>(res);
      expect(page.count).toBe(page.value.length);
      expect(page.value.length).toBeLessThanOrEqual(2);
      seen.push(...page.value.map((r) => r.id));
    } while (token);
    expect(seen).toEqual(made);
    expect(tokens).toHaveLength(2);
    // Without $top a page holds up to 100 (or what the control set); a token it never issued is refused, naming the parameter.
    const all = await json<{ count: number }>(await call('GET', `${q.base}/_apis/distributedtask/pools/0/agents`, q.admin));
    expect(all.count).toBe(5);
    expect((await call('PUT', `${w.fake.url}/_control/agents-page-size`, undefined, { size: 0 })).status).toBe(400);
    expect((await call('PUT', `${w.fake.url}/_control/agents-page-size`, undefined, { size: 3 })).status).toBe(200);
    const first = await call('GET', `${q.base}/_apis/distributedtask/pools/0/agents`, q.admin);
    expect((await json<{ count: number }>(first)).count).toBe(3);
    expect(first.headers.get('x-ms-continuationtoken')).toBe(String(made[2]));
    const bad = await call('GET', `${q.base}/_apis/distributedtask/pools/0/agents?continuationToken=abc`, q.admin);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await json(bad))).toContain('continuationToken');
    expect((await call('GET', `${q.base}/_apis/distributedtask/pools/0/agents?$top=0`, q.admin)).status).toBe(400);
  });
});
