// Control-driven lifecycle: token expiry, killed sessions, unstarted cancel, scale-set queue expiry.
import { afterEach, describe, expect, it } from 'vitest';
import { call, json } from './runner-support.js';
import { connect, poll, world, type World } from './setup.js';

let w: World | undefined;
afterEach(async () => {
  await w?.fake.close();
  w = undefined;
});

describe('lifecycle controls', () => {
  it('expireToken forces 401s; killSession invalidates a session', async () => {
    w = await world();
    const r = await connect(w, 'lc');
    const r2 = await connect(w, 'lc2');
    expect(w.fake.control.expireToken('runner-oauth', r.id)).toBe(1);
    expect((await poll(r)).status).toBe(401);
    expect(w.fake.control.expireToken('installation-token', w.app.appId)).toBe(1);
    expect((await call('GET', `${w.fake.apiUrl}/orgs/acme/actions/runners`, w.inst)).status).toBe(401);
    expect(w.fake.control.killSession(r2.sessionId)).toBe(true);
    expect(await json(await poll(r2))).toMatchObject({ errorKind: 'RunnerSessionInvalid' });
    expect(w.fake.control.sessions().find((s) => s.sessionId === r2.sessionId)?.status).toBe('invalidated');
  });

  it('a job whose lock lapsed answers renew with 404 in the run-service envelope', async () => {
    w = await world();
    const r = await connect(w, 'us');
    const job = w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    const req = JSON.parse((await json<{ body: string }>(await poll(r))).body) as { runner_request_id: string; run_service_url: string };
    const msg = await json<{ plan: { planId: string }; jobId: string; resources: { endpoints: { url: string; authorization: { parameters: { AccessToken: string } } }[] } }>(
      await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id }));
    const ep = msg.resources.endpoints[0]!;
    w.clock.advance(10_000);
    expect(w.fake.control.job(job.requestId)).toMatchObject({ state: 'completed', conclusion: 'failed' });
    const late = await call('POST', `${ep.url}renewjob`, ep.authorization.parameters.AccessToken, { planId: msg.plan.planId, jobId: msg.jobId });
    expect(late.status).toBe(404);
    expect(await json(late)).toMatchObject({ source: 'actions-run-service', statusCode: 404 });
  });

  it('the unstarted timeout fires before the lock when it is shorter', async () => {
    w = await world({ timings: { unstartedCancelMs: 3_000 } });
    const r = await connect(w, 'us2');
    const job = w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    const req = JSON.parse((await json<{ body: string }>(await poll(r))).body) as { runner_request_id: string; run_service_url: string };
    expect((await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id })).status).toBe(200);
    w.clock.advance(3_000);
    expect(w.fake.control.job(job.requestId)).toMatchObject({ state: 'completed', conclusion: 'canceled' });
  });

  it('a killed scale-set session answers its queue with 404; an expired queue token with 401', async () => {
    w = await world({ timings: { queueTokenTtlMs: 1_000 } });
    const reg = await json<{ token: string }>(await call('POST', `${w.fake.apiUrl}/orgs/acme/actions/runners/registration-token`, w.inst));
    const hop = await json<{ url: string; token: string }>(await fetch(`${w.fake.apiUrl}/actions/runner-registration`, {
      method: 'POST', headers: { authorization: `RemoteAuth ${reg.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://github.com/acme', runner_event: 'register' }),
    }));
    const set = await json<{ id: number }>(await call('POST', `${hop.url}/_apis/runtime/runnerscalesets`, hop.token, { name: 's1', runnerGroupId: 1, labels: [{ name: 's1', type: 'System' }] }));
    const s = await json<{ sessionId: string; messageQueueUrl: string; messageQueueAccessToken: string; statistics: Record<string, number> }>(
      await call('POST', `${hop.url}/_apis/runtime/runnerscalesets/${set.id}/sessions`, hop.token, { ownerName: 'l' }));
    expect(s.statistics).toEqual({ totalAvailableJobs: 0, totalAcquiredJobs: 0, totalAssignedJobs: 0, totalRunningJobs: 0, totalRegisteredRunners: 0, totalBusyRunners: 0, totalIdleRunners: 0 });
    w.clock.advance(1_000);
    expect((await call('GET', s.messageQueueUrl, s.messageQueueAccessToken, undefined, { 'X-ScaleSetMaxCapacity': '1' })).status).toBe(401);
    const fresh = await json<{ messageQueueAccessToken: string }>(await call('PATCH', `${hop.url}/_apis/runtime/runnerscalesets/${set.id}/sessions/${s.sessionId}`, hop.token));
    w.fake.control.killSession(s.sessionId);
    const gone = await call('GET', s.messageQueueUrl, fresh.messageQueueAccessToken, undefined, { 'X-ScaleSetMaxCapacity': '1' });
    expect(gone.status).toBe(404);
    const s2 = await json<{ messageQueueAccessToken: string }>(await call('POST', `${hop.url}/_apis/runtime/runnerscalesets/${set.id}/sessions`, hop.token, { ownerName: 'l2' }));
    const bad = await call('GET', s.messageQueueUrl, s2.messageQueueAccessToken, undefined, { 'X-ScaleSetMaxCapacity': 'lots' });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ message: expect.stringContaining('X-ScaleSetMaxCapacity') as unknown });
  });
});
