// REST, OAuth and bad input: the statuses and envelopes the real services send.
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:https';
import { startFakeGitHub, type FakeGitHub } from '../../src/index.js';
import { appJwt, call, json, oauthToken, signJwt } from './runner-support.js';
import { connect, connectWith, poll, registerRunner, world, type World } from './setup.js';

let w: World | undefined;
let extra: FakeGitHub | undefined;
afterEach(async () => {
  await w?.fake.close();
  await extra?.close();
  w = undefined;
  extra = undefined;
});

describe('REST', () => {
  it('verifies App JWTs: signature, iss (app id or client id), iat/exp window', async () => {
    w = await world();
    const url = `${w.fake.apiUrl}/app/installations/${w.app.installationId}/access_tokens`;
    const now = w.clock.now();
    expect((await call('POST', url, appJwt(w.app, now, { iss: w.app.clientId }))).status).toBe(201);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    const bad = await call('POST', url, appJwt({ appId: w.app.appId, privateKeyPem: other }, now));
    expect(bad.status).toBe(401);
    expect(await json(bad)).toMatchObject({ message: expect.any(String) as unknown, documentation_url: expect.any(String) as unknown });
    expect((await call('POST', url, appJwt(w.app, now, { exp: Math.floor(now / 1000) + 900 }))).status).toBe(401);
    expect((await call('POST', url, appJwt(w.app, now, { iat: Math.floor(now / 1000) - 1000, exp: Math.floor(now / 1000) - 400 }))).status).toBe(401);
    expect((await call('POST', url, appJwt(w.app, now, { iss: '999' }))).status).toBe(401);
    expect((await call('POST', `${w.fake.apiUrl}/app/installations/1/access_tokens`, appJwt(w.app, now))).status).toBe(404);
  });

  it('expires installation tokens after their TTL and on demand (401 Bad credentials); serves GHES /api/v3', async () => {
    w = await world();
    const list = `${w.fake.url}/api/v3/orgs/acme/actions/runners`;
    expect((await call('GET', list, w.inst)).status).toBe(200);
    w.clock.advance(3_600_000);
    const res = await call('GET', list, w.inst);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ message: 'Bad credentials' });
  });

  it('generate-jitconfig: 201 with the blob; 409 name taken; 422 bad input; 403 hosted group; malformed JSON 400', async () => {
    w = await world();
    const url = `${w.fake.apiUrl}/repos/acme/app/actions/runners/generate-jitconfig`;
    const ok = await call('POST', url, w.inst, { name: 'x1', runner_group_id: 1, labels: ['linux'] });
    expect(ok.status).toBe(201);
    expect(await json(ok)).toMatchObject({ runner: { name: 'x1', status: 'offline', busy: false }, encoded_jit_config: expect.any(String) as unknown });
    expect((await call('POST', url, w.inst, { name: 'x1', runner_group_id: 1, labels: ['linux'] })).status).toBe(409);
    expect((await call('POST', url, w.inst, { name: 'x2', labels: ['linux'] })).status).toBe(422);
    expect((await call('POST', url, w.inst, { name: 'x2', runner_group_id: 1, labels: [] })).status).toBe(422);
    expect((await call('POST', url, w.inst, { name: 'x2', runner_group_id: 0, labels: ['a'] })).status).toBe(403);
    expect((await call('POST', url, w.inst, '{"name":')).status).toBe(400);
    expect((await call('POST', `${w.fake.apiUrl}/orgs/other/actions/runners/generate-jitconfig`, w.inst, { name: 'x', runner_group_id: 1 })).status).toBe(404);
  });

  it('lists runners by name, deletes them (204), refuses deleting a busy one (422)', async () => {
    w = await world();
    const reg = w.fake.control.createRunner({ scope: 'orgs/acme', name: 'keep', labels: ['linux'], ephemeral: false });
    await registerRunner(w, 'other');
    const list = await json<{ total_count: number; runners: { id: number; name: string }[] }>(await call('GET', `${w.fake.apiUrl}/orgs/acme/actions/runners?name=keep&per_page=100`, w.inst));
    expect(list).toMatchObject({ total_count: 1, runners: [{ id: reg.id, name: 'keep' }] });
    const r = await connect(w, 'idle-one');
    // A non-JIT runner stays registered while busy: make one busy and try to delete it.
    const p = w.fake.control.createRunner({ scope: 'orgs/acme', name: 'p', labels: ['gpu'], ephemeral: false });
    const pr = await connectWith(w, p.encodedJitConfig, p.id, 'p');
    w.fake.control.enqueueJob({ org: 'acme', labels: ['gpu'] });
    const preq = JSON.parse((await json<{ body: string }>(await poll(pr))).body) as { runner_request_id: string; run_service_url: string };
    expect((await call('POST', `${preq.run_service_url}acquirejob`, pr.token, { jobMessageId: preq.runner_request_id })).status).toBe(200);
    const busy = await call('DELETE', `${w.fake.apiUrl}/orgs/acme/actions/runners/${p.id}`, w.inst);
    expect(busy.status).toBe(422);
    expect(JSON.stringify(await json(busy))).toContain('running');
    expect((await call('DELETE', `${w.fake.apiUrl}/orgs/acme/actions/runners/${r.id}`, w.inst)).status).toBe(204);
    expect((await call('DELETE', `${w.fake.apiUrl}/orgs/acme/actions/runners/${r.id}`, w.inst)).status).toBe(404);
  });

  it('marks unknown routes so they are never mistaken for a resource 404; /meta has configurable ranges', async () => {
    w = await world();
    const missing = await call('GET', `${w.fake.apiUrl}/orgs/acme/actions/nothing-here`, w.inst);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-fake-github-route')).toBe('unmatched');
    const resource = await call('GET', `${w.fake.apiUrl}/orgs/acme/actions/runners/424242`, w.inst);
    expect(resource.status).toBe(404);
    expect(resource.headers.get('x-fake-github-route')).toBeNull();
    w.fake.control.setMeta({ api: ['192.0.2.0/24'], actions: ['198.51.100.0/24'], web: [] });
    expect(await json(await call('GET', `${w.fake.apiUrl}/meta`, undefined))).toMatchObject({ api: ['192.0.2.0/24'], actions: ['198.51.100.0/24'] });
  });
});

describe('runner OAuth', () => {
  it('checks the assertion: aud as the string, iss = sub, jti, and a 5 min skew (with the server time in the message)', async () => {
    w = await world();
    const { jit } = await registerRunner(w, 'o1');
    const now = w.clock.now();
    expect((await oauthToken(jit, now)).status).toBe(200);
    expect(await json(await oauthToken(jit, now, { aud: [jit.credentials.data.authorizationUrl] }))).toMatchObject({ error: 'invalid_client' });
    expect((await oauthToken(jit, now, { sub: 'someone' })).status).toBe(400);
    expect((await oauthToken(jit, now, { jti: undefined })).status).toBe(400);
    const skew = await json<{ error_description: string }>(await oauthToken(jit, now + 400_000));
    expect(skew.error_description).toContain('Current server time is');
    const forged = signJwt({ iss: jit.credentials.data.clientId, sub: jit.credentials.data.clientId, aud: jit.credentials.data.authorizationUrl, nbf: now / 1000, exp: now / 1000 + 300, jti: 'x' },
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const res = await fetch(jit.credentials.data.authorizationUrl!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: forged }) });
    expect(res.status).toBe(400);
  });

  it('refuses the session OAuth token and a stranger on the broker (401), and malformed session bodies (400)', async () => {
    w = await world();
    const r = await connect(w, 'auth');
    expect((await call('POST', `${r.broker}session`, 'nonsense', { agent: { id: r.id } })).status).toBe(401);
    expect((await call('POST', `${r.broker}session`, r.token, '{oops')).status).toBe(400);
    expect(w.fake.control.requests().some((q) => q.credential === 'unknown')).toBe(true);
  });
});

describe('control over HTTP and HTTPS', () => {
  it('serves the control API as JSON under /_control/', async () => {
    w = await world();
    const enq = await call('POST', `${w.fake.url}/_control/jobs`, undefined, { org: 'acme', labels: ['linux'], runId: 5, durationMs: 10, conclusion: 'succeeded' });
    const job = await json<{ requestId: number; state: string }>(enq);
    expect(job.state).toBe('queued');
    expect(await json(await call('GET', `${w.fake.url}/_control/jobs/${job.requestId}`, undefined))).toMatchObject({ requestId: job.requestId });
    expect((await call('POST', `${w.fake.url}/_control/runs/5/cancel`, undefined, {})).status).toBe(200);
    expect(await json<unknown[]>(await call('GET', `${w.fake.url}/_control/runs`, undefined))).toMatchObject([{ runId: 5, conclusion: 'cancelled' }]);
    expect((await call('POST', `${w.fake.url}/_control/clock/advance`, undefined, { ms: 5 })).status).toBe(200);
    expect((await call('POST', `${w.fake.url}/_control/faults`, undefined, { path: '/meta', action: { status: 500, shape: 'rest' } })).status).toBe(200);
    expect((await call('GET', `${w.fake.apiUrl}/meta`, undefined)).status).toBe(500);
    expect((await call('GET', `${w.fake.url}/_control/nope`, undefined)).headers.get('x-fake-github-route')).toBe('unmatched');
    expect((await call('POST', `${w.fake.url}/_control/reset`, undefined, {})).status).toBe(200);
    expect(w.fake.control.jobs()).toEqual([]);
  });

  it('serves HTTPS with its own CA', async () => {
    extra = await startFakeGitHub({ https: true, profile: 'fast' });
    expect(extra.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${extra!.url}/meta`, { ca: extra!.caPem }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toHaveProperty('actions');
  });
});
