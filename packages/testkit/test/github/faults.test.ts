// Every injection point of spec §15.4, shown on the wire. Points the fake produces by itself (fan-out,
// redelivery, consumed JIT, rerun refusal, scale-set 409/401/404…) are shown in the protocol tests.
import { afterEach, describe, expect, it } from 'vitest';
import { call, json, until } from './runner-support.js';
import { connect, poll, world, type World } from './setup.js';

let w: World | undefined;
afterEach(async () => {
  await w?.fake.close();
  w = undefined;
});

describe('fault injection', () => {
  it('answers any status in each body shape, with or without ActivityId and X-GitHub-Request-Id', async () => {
    w = await world();
    const shapes = [
      ['broker', { source: 'actions-broker-listener', errorKind: 'RunnerNotFound', statusCode: 404, errorMessage: 'gone' }],
      ['run-service', { source: 'actions-run-service', statusCode: 404, errorMessage: 'gone' }],
      ['actions', { typeName: 'RunnerNotFound', message: 'gone' }],
      ['rest', { message: 'gone', documentation_url: 'https://docs.github.com/rest' }],
    ] as const;
    for (const [shape, expected] of shapes) {
      w.fake.control.inject({ path: '/meta', action: { status: 404, shape, message: 'gone', errorKind: 'RunnerNotFound', activityId: true, requestId: true } });
      const res = await call('GET', `${w.fake.apiUrl}/meta`, undefined);
      expect(res.status).toBe(404);
      expect(res.headers.get('activityid')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-github-request-id')).toMatch(/^FAKE:/);
      expect(await json(res)).toMatchObject(expected);
    }
    w.fake.control.inject({ path: '/meta', action: { status: 503, shape: 'text' } });
    const envoy = await call('GET', `${w.fake.apiUrl}/meta`, undefined);
    expect(envoy.status).toBe(503);
    expect(envoy.headers.get('content-type')).toContain('text/plain');
    expect(envoy.headers.get('activityid')).toBeNull();
    expect(await envoy.text()).toBe('upstream connect error or disconnect/reset before headers. reset reason: overflow');
    expect((await call('GET', `${w.fake.apiUrl}/meta`, undefined)).status).toBe(200);
  });

  it('sends 429 with Retry-After as seconds, as an HTTP-date, or not at all', async () => {
    w = await world();
    w.fake.control.inject({ path: '/_broker/message', action: { status: 429, shape: 'broker', retryAfter: { seconds: 7 } } });
    w.fake.control.inject({ path: '/_broker/message', action: { status: 429, shape: 'broker', retryAfter: { seconds: 30, format: 'http-date' } } });
    w.fake.control.inject({ path: '/_broker/message', action: { status: 429, shape: 'broker' } });
    const r = await connect(w, 'rl');
    const a = await poll(r);
    expect([a.status, a.headers.get('retry-after')]).toEqual([429, '7']);
    const b = await poll(r);
    expect(Date.parse(b.headers.get('retry-after')!)).toBe(Math.floor((w.clock.now() + 30_000) / 1000) * 1000);
    const c = await poll(r);
    expect([c.status, c.headers.get('retry-after')]).toEqual([429, null]);
  });

  it('black-holes before headers, stalls mid-body, and resets the connection', async () => {
    w = await world();
    w.fake.control.inject({ path: '/meta', action: { blackhole: 'before-headers' } });
    await expect(fetch(`${w.fake.apiUrl}/meta`, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    w.fake.control.inject({ path: '/meta', action: { status: 200, blackhole: 'mid-body' } });
    const stalled = await fetch(`${w.fake.apiUrl}/meta`, { signal: AbortSignal.timeout(300) });
    expect(stalled.status).toBe(200);
    await expect(stalled.text()).rejects.toThrow();
    w.fake.control.inject({ path: '/meta', action: { reset: true } });
    await expect(fetch(`${w.fake.apiUrl}/meta`)).rejects.toThrow(/fetch failed/);
    w.fake.control.inject({ path: '/meta', action: { status: 200, reset: true } });
    const cut = await fetch(`${w.fake.apiUrl}/meta`);
    await expect(cut.text()).rejects.toThrow();
    expect(w.fake.control.requests().filter((q) => q.path === '/meta' && q.fault).length).toBe(4);
  });

  it('adds latency on the fake clock, then serves normally', async () => {
    w = await world();
    w.fake.control.inject({ method: 'GET', path: '/meta', action: { latencyMs: 2_000 } });
    let settled = false;
    const pending = fetch(`${w.fake.apiUrl}/meta`).then((r) => ((settled = true), r));
    await until(() => w!.fake.control.requests().some((q) => q.path === '/meta'), 'request arrival');
    w.clock.advance(1_999);
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    w.clock.advance(1);
    expect((await pending).status).toBe(200);
  });

  it('fires once, N times, for a duration, or always; scoped by session or owner', async () => {
    w = await world();
    const a = await connect(w, 'sa');
    const b = await connect(w, 'sb');
    w.fake.control.inject({ path: '/_broker/message', session: a.sessionId, times: 2, action: { status: 403, shape: 'broker', errorKind: 'RunnerVersionTooOld', message: 'Runner version v2.300.0 is deprecated and cannot receive messages.' } });
    w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    const bRes = await poll(b);
    expect(bRes.status).toBe(200);
    const a1 = await poll(a);
    expect(a1.status).toBe(403);
    expect(await json(a1)).toMatchObject({ errorKind: 'RunnerVersionTooOld', statusCode: 403 });
    expect((await poll(a)).status).toBe(403);
    w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    expect((await poll(a)).status).toBe(200);

    w.fake.control.inject({ path: '/orgs/*/actions/runners', owner: 'acme', forMs: 1_000, action: { status: 500, shape: 'rest' } });
    expect((await call('GET', `${w.fake.apiUrl}/orgs/acme/actions/runners`, w.inst)).status).toBe(500);
    expect((await call('GET', `${w.fake.apiUrl}/orgs/acme/actions/runners`, w.inst)).status).toBe(500);
    w.clock.advance(1_000);
    expect((await call('GET', `${w.fake.apiUrl}/orgs/acme/actions/runners`, w.inst)).status).toBe(200);

    const rule = w.fake.control.inject({ path: '/_oauth/token', always: true, action: { status: 400, shape: 'oauth', errorKind: 'invalid_client', message: 'Registration was not found' } });
    for (let i = 0; i < 3; i++) expect((await fetch(`${w.fake.url}/_oauth/token`, { method: 'POST' })).status).toBe(400);
    w.fake.control.clearFaults(rule.id);
    expect((await fetch(`${w.fake.url}/_oauth/token`, { method: 'POST' })).status).toBe(400); // the real check: no form
  });

  it('injects the broker/run-service statuses of §15.4 items 6–8 and the BOM / message-type cases of item 12', async () => {
    w = await world();
    w.fake.control.inject({ method: 'POST', path: '/_broker/session', action: { status: 400, shape: 'broker', message: 'Runner version 2.300.0 is too old. The minimum version is 2.330.0.' } });
    await expect(connect(w, 'v')).rejects.toThrow(/session 400: .*too old/);
    const r = await connect(w, 'v2');
    w.fake.control.inject({ path: '/_broker/message', action: { status: 410, shape: 'broker', errorKind: 'RunnerSessionInvalid' } });
    expect(await json(await poll(r))).toMatchObject({ errorKind: 'RunnerSessionInvalid', statusCode: 410 });
    w.fake.control.inject({ path: '/_broker/message', action: { status: 200, shape: 'empty' } });
    const empty = await poll(r);
    expect([empty.status, await empty.text()]).toEqual([200, '']);

    w.fake.control.pushMessage(r.sessionId, { messageType: 'ForceTokenRefresh', body: '' });
    w.fake.control.pushMessage(r.sessionId, { messageType: 'BrokerMigration', body: JSON.stringify({ brokerBaseUrl: `${w.fake.url}/_broker/` }) });
    w.fake.control.pushMessage(r.sessionId, { messageType: 'SomethingNew', body: '\uFEFF{"x":1}' });
    const types: string[] = [];
    for (let i = 0; i < 3; i++) types.push((await json<{ messageType: string; body: string }>(await poll(r))).messageType);
    expect(types).toEqual(['ForceTokenRefresh', 'BrokerMigration', 'SomethingNew']);

    w.fake.control.inject({ path: '/_run/*/acquirejob', action: { status: 422, shape: 'run-service', message: 'Unprocessable job' } });
    w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    const req = JSON.parse((await json<{ body: string }>(await poll(r))).body) as { runner_request_id: string; run_service_url: string };
    const unproc = await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id });
    expect(await json(unproc)).toEqual({ source: 'actions-run-service', statusCode: 422, errorMessage: 'Unprocessable job' });
    w.fake.control.inject({ path: '/_jobs/*/renewjob', action: { status: 404, shape: 'run-service', message: 'Job not found' } });
    w.fake.control.inject({ path: '/_jobs/*/completejob', action: { status: 404, shape: 'run-service', message: 'Job not found' } });
    const msg = await json<{ plan: { planId: string }; jobId: string; resources: { endpoints: { url: string; authorization: { parameters: { AccessToken: string } } }[] } }>(
      await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id }));
    const ep = msg.resources.endpoints[0]!;
    const jt = ep.authorization.parameters.AccessToken;
    expect((await call('POST', `${ep.url}renewjob`, jt, { planId: msg.plan.planId, jobId: msg.jobId })).status).toBe(404);
    expect((await call('POST', `${ep.url}completejob`, jt, { planId: msg.plan.planId, jobId: msg.jobId, conclusion: 'succeeded' })).status).toBe(404);
    w.fake.control.inject({ path: '/meta', action: { status: 200, shape: 'rest', rawBody: '\uFEFF{"actions":["10.0.0.0/8"]}' } });
    const bom = Buffer.from(await (await fetch(`${w.fake.apiUrl}/meta`)).arrayBuffer());
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});
