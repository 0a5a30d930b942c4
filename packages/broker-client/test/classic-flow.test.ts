// The classic flow on the wire, against a purpose-built server that records every request: App JWT →
// installation token → JIT config (with a 409 resolved) → OAuth → session → encrypted RunnerJobRequest →
// acquirejob → renewjob → completejob → typed events → delete. Asserts the request shapes GAG got wrong.
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, verify, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerClientError, ClassicBrokerSession, decodeJwtClaims, GitHubApp } from '../src/index.js';
import { AutoClock } from './support/clocks.js';
import { rsaKey } from './support/keys.js';
import { json, startScriptedBroker, type RecordedRequest, type ScriptedBroker } from './support/scripted-broker.js';

let server: ScriptedBroker | undefined;
afterEach(async () => server?.close());

const app = rsaKey();
const JOB_GUID = '2f3e4d5c-6b7a-4899-aabb-ccddeeff0011';
const PLAN_GUID = '9a8b7c6d-5e4f-4321-8765-432109876543';

function verifyAppJwt(req: RecordedRequest, key: KeyObject): Record<string, unknown> | undefined {
  const jwt = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const [h, c, sig] = jwt.split('.');
  if (!h || !c || !sig) return undefined;
  return verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(sig, 'base64url')) ? decodeJwtClaims(jwt, 'test') : undefined;
}

function encryptFor(publicKey: KeyObject, aes: Buffer, plaintext: string): { body: string; iv: string } {
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', aes, iv);
  return { body: Buffer.concat([c.update(`\uFEFF${plaintext}`, 'utf8'), c.final()]).toString('base64'), iv: iv.toString('base64') };
}

describe('classic flow on the wire', () => {
  it('goes from an App key and an org URL to a completed job with the right request shapes', async () => {
    const clock = new AutoClock();
    server = await startScriptedBroker(clock);
    const s = server;
    const runnerPublic = createPublicKey(
      // The runner key inside the scripted JIT blob: read it back from the blob the server hands out.
      (await import('../src/index.js')).decodeJitConfig(s.jit).privateKey,
    );
    s.handle('/api/v3/orgs/acme/installation', (req, res) => (verifyAppJwt(req, app.publicKey) ? json(res, 200, { id: 99 }) : json(res, 401, { message: 'bad jwt' })));
    s.handle('/api/v3/app/installations/99/access_tokens', (req, res) =>
      verifyAppJwt(req, app.publicKey) ? json(res, 201, { token: 'ghs_install', expires_at: new Date(clock.now() + 3600_000).toISOString() }) : json(res, 401, { message: 'bad jwt' }),
    );
    let generated = 0;
    s.handle('/api/v3/orgs/acme/actions/runners/generate-jitconfig', (_req, res) =>
      ++generated === 1 ? json(res, 409, { message: 'Already exists' }) : json(res, 201, { runner: { id: 501, name: 'rg-0' }, encoded_jit_config: s.jit }),
    );
    s.handle('/api/v3/orgs/acme/actions/runners', (_req, res) =>
      json(res, 200, { total_count: 2, runners: [{ id: 400, name: 'rg-0', status: 'offline', busy: false, labels: [{ name: 'self-hosted' }] }, { id: 401, name: 'rg-01', status: 'offline', busy: false, labels: [] }] }),
    );
    s.handle('/api/v3/orgs/acme/actions/runners/400', (_req, res) => void res.writeHead(204).end());
    const aes = randomBytes(32);
    s.handle('/broker/session', (req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      json(res, 200, {
        sessionId: 'c0ffee00-0000-4000-8000-000000000001',
        useFipsEncryption: false,
        encryptionKey: { encrypted: true, value: publicEncrypt({ key: runnerPublic, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, aes).toString('base64') },
      });
    });
    const runService = `${s.url}/run/157/`;
    const messages = [
      { messageId: 1, messageType: 'RunnerJobRequest', ...encryptFor(runnerPublic, aes, JSON.stringify({ id: 'x', runner_request_id: 'rrid-1', should_acknowledge: false, run_service_url: runService, billing_owner_id: 'b-1' })) },
      { messageId: 2, messageType: 'JobCancellation', ...encryptFor(runnerPublic, aes, JSON.stringify({ jobId: JOB_GUID, timeout: '00:05:00' })) },
      { messageId: 3, messageType: 'ForceTokenRefresh', ...encryptFor(runnerPublic, aes, '{}') },
      { messageId: 4, messageType: 'RunnerShutdown', ...encryptFor(runnerPublic, aes, '{"reason":"x"}') },
    ];
    s.handle('/broker/message', (_req, res) => {
      const next = messages.shift();
      if (next) json(res, 200, next);
      else res.writeHead(202).end();
    });
    s.handle('/run/157/acquirejob', (_req, res) =>
      json(
        res,
        200,
        {
          messageType: 'RunnerJobRequest',
          plan: { planId: 'body-plan-id', planType: 'Build' },
          jobId: JOB_GUID,
          requestId: 12345,
          resources: { endpoints: [{ name: 'SYSTEMVSSCONNECTION', url: `${s.url}/run/157/`, authorization: { scheme: 'OAuth', parameters: { accessToken: 'job-token-abc' } } }] },
        },
        { 'x-plan-id': PLAN_GUID },
      ),
    );
    s.handle('/run/157/renewjob', (_req, res) => json(res, 200, { lockedUntil: new Date(clock.now() + 600_000).toISOString() }));
    s.handle('/run/157/completejob', (_req, res) => void res.writeHead(204).end());

    const refreshes: string[] = [];
    const gh = new GitHubApp({ githubUrl: `${s.url}/acme`, appId: 1234, privateKey: app.privateKey.export({ format: 'pem', type: 'pkcs1' }), clock, onRefresh: (e) => refreshes.push(e.reason) });
    // No gh.start(): the background loop is covered with a manual clock (token-manager.test.ts); here the
    // REST client fetches the first token on demand.
    const runner = await gh.registrar.generateJitConfig({ name: 'rg-0', runnerGroupId: 7, labels: ['self-hosted', 'gpu'] });
    const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.330.0', clock, ownerName: 'rg-0' });
    const events = [];
    for (let i = 0; i < 5; i++) {
      const r = await session.getMessage();
      if (r.kind === 'message') events.push(r.event);
    }
    expect(events.map((e) => e.type)).toEqual(['RunnerJobRequest', 'JobCancellation', 'ForceTokenRefresh', 'unknown']);
    expect(events[1]).toMatchObject({ jobId: JOB_GUID, timeoutMs: 300_000 });
    const request = events[0]!;
    if (request.type !== 'RunnerJobRequest') throw new Error('unreachable');
    const job = await session.acquireJob(request);
    expect(job).toMatchObject({ jobId: JOB_GUID, planId: PLAN_GUID, jobToken: 'job-token-abc', runnerRequestId: 'rrid-1' });
    await session.runService.renewJob(job);
    await session.runService.completeJob(job, 'canceled');
    await expect(session.runService.completeJob(job, 'cancelled' as 'canceled')).rejects.toThrow(/conclusion: "cancelled" is not one of/);
    await session.close();
    await gh.stop();

    // App JWT and installation token
    const tokenCall = s.on('/api/v3/app/installations/99/access_tokens')[0]!;
    const claims = verifyAppJwt(tokenCall, app.publicKey)!;
    expect(claims.iss).toBe('1234');
    expect((claims.exp as number) - (claims.iat as number)).toBe(600);
    expect(tokenCall.headers['x-github-api-version']).toBe('2022-11-28');
    expect(refreshes).toEqual(['initial']);
    // generate-jitconfig: body, then 409 → list by name → delete the exact match only → retry once
    const jitCalls = s.on('/api/v3/orgs/acme/actions/runners/generate-jitconfig');
    expect(jitCalls).toHaveLength(2);
    expect(JSON.parse(jitCalls[0]!.body)).toEqual({ name: 'rg-0', runner_group_id: 7, labels: ['self-hosted', 'gpu'], work_folder: '_work' });
    expect(jitCalls[0]!.headers.authorization).toBe('Bearer ghs_install');
    expect(s.on('/api/v3/orgs/acme/actions/runners')[0]!.path).toContain('name=rg-0');
    expect(s.on('/api/v3/orgs/acme/actions/runners/400').map((r) => r.method)).toEqual(['DELETE']);
    expect(s.requests.some((r) => r.path.endsWith('/runners/401'))).toBe(false);
    // OAuth assertion
    const oauth = new URLSearchParams(s.on('/oauth')[0]!.body);
    expect(oauth.get('grant_type')).toBe('client_credentials');
    expect(oauth.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const assertion = decodeJwtClaims(oauth.get('client_assertion')!, 'test');
    expect(assertion).toMatchObject({ iss: 'client-42', sub: 'client-42', aud: `${s.url}/oauth` });
    expect(assertion).not.toHaveProperty('iat');
    // session create body and poll query
    const create = JSON.parse(s.on('/broker/session').find((r) => r.method === 'POST')!.body) as Record<string, unknown>;
    expect(create).toMatchObject({ sessionId: '00000000-0000-0000-0000-000000000000', ownerName: 'rg-0', agent: { id: 42, name: 'rg-0', version: '2.330.0' } });
    const poll = new URL(s.on('/broker/message')[0]!.path, s.url).searchParams;
    expect(Object.fromEntries(poll)).toMatchObject({ sessionId: 'c0ffee00-0000-4000-8000-000000000001', status: 'Online', runnerVersion: '2.330.0', os: 'Linux', architecture: 'X64' });
    // acquire with the runner token on the message's run service URL
    const acquire = s.on('/run/157/acquirejob')[0]!;
    expect(acquire.headers.authorization).toBe('Bearer runner-token-1');
    expect(JSON.parse(acquire.body)).toEqual({ jobMessageId: 'rrid-1', runnerOS: 'Linux', billingOwnerId: 'b-1' });
    // renew / complete: job token, job GUID, plan from the header, `conclusion`
    const renew = s.on('/run/157/renewjob')[0]!;
    expect(renew.headers.authorization).toBe('Bearer job-token-abc');
    expect(JSON.parse(renew.body)).toEqual({ planId: PLAN_GUID, jobId: JOB_GUID });
    const complete = s.on('/run/157/completejob');
    expect(complete).toHaveLength(1);
    expect(complete[0]!.headers.authorization).toBe('Bearer job-token-abc');
    expect(JSON.parse(complete[0]!.body)).toEqual({ planId: PLAN_GUID, jobId: JOB_GUID, conclusion: 'canceled' });
    expect(complete[0]!.body).not.toContain('"result"');
    // delete the session with the session's own token
    expect(s.on('/broker/session').find((r) => r.method === 'DELETE')!.headers.authorization).toBe('Bearer runner-token-1');
  });

  it('says clearly when GitHub refuses the App key, and refreshes the installation token once on a REST 401', async () => {
    const clock = new AutoClock();
    server = await startScriptedBroker(clock);
    const s = server;
    const revoked = rsaKey().privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    s.handle('/api/v3/app/installations/99/access_tokens', (req, res) =>
      verifyAppJwt(req, app.publicKey)
        ? json(res, 201, { token: `ghs_${s.on('/api/v3/app/installations/99/access_tokens').length}`, expires_at: new Date(clock.now() + 3600_000).toISOString() })
        : json(res, 401, { message: "'Expiration time' claim ('exp') is too far in the future", documentation_url: 'https://docs.github.com/rest' }),
    );
    const errors: unknown[] = [];
    const bad = new GitHubApp({ githubUrl: `${s.url}/acme`, appId: 1234, installationId: 99, privateKey: revoked, clock, onRefreshError: (e) => errors.push(e) });
    const failure = await bad.tokens.token().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BrokerClientError);
    expect(failure).toMatchObject({ kind: 'app_key_rejected', status: 401, retriable: false });
    expect((failure as Error).message).toMatch(/App JWT.*private key.*revoked\/expired/);
    expect(errors).toHaveLength(1);

    const good = new GitHubApp({ githubUrl: `${s.url}/acme`, appId: 1234, installationId: 99, privateKey: app.privateKey, clock, minRefreshIntervalMs: 0 });
    let n = 0;
    s.handle('/api/v3/orgs/acme/actions/runners/registration-token', (req, res) =>
      ++n === 1 ? json(res, 401, { message: 'Bad credentials' }) : json(res, 201, { token: `reg-for-${req.headers.authorization}`, expires_at: new Date(clock.now() + 3600_000).toISOString() }),
    );
    const reg = await good.registrar.registrationToken();
    const regCalls = s.on('/api/v3/orgs/acme/actions/runners/registration-token');
    expect(regCalls.map((r) => r.headers.authorization)).toEqual(['Bearer ghs_2', 'Bearer ghs_3']);
    expect(reg.token).toBe('reg-for-Bearer ghs_3');
  });

  it('rejects construction with bad input, naming what is wrong', () => {
    const pem = app.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(() => new GitHubApp({ githubUrl: 'https://gitlab.com', appId: 1, privateKey: pem })).toThrow(/githubUrl: .* names no organization/);
    expect(() => new GitHubApp({ githubUrl: 'https://github.com/acme', appId: 1, privateKey: 'nope' })).toThrow(/privateKey: not a PEM/);
    expect(() => new GitHubApp({ githubUrl: 'https://github.com/acme', appId: 1, privateKey: pem, apiBaseUrl: 'not a url' })).toThrow(/apiBaseUrl/);
  });
});
