// A real runner's classic flow against the fake, step by step, with plain fetch.
import { afterEach, describe, expect, it } from 'vitest';
import { SCRIPT_VARIABLES } from '../../src/index.js';
import { call, json, oauthToken } from './runner-support.js';
import { connect, poll, world, type World } from './setup.js';

let w: World | undefined;
afterEach(async () => {
  await w?.fake.close();
  w = undefined;
});

interface Envelope { messageId: number; messageType: string; body: string; iv?: string }
interface JobMsg {
  plan: { planId: string }; jobId: string; requestId: number;
  resources: { endpoints: { name: string; url: string; authorization: { scheme: string; parameters: { AccessToken: string } } }[] };
  variables: Record<string, { value: string }>;
}

describe('classic runner flow', () => {
  it('registers, exchanges OAuth, long-polls, acquires, renews, completes with a conclusion, loses its record, and the rerun is refused then accepted', async () => {
    w = await world();
    const r = await connect(w, 'r1');
    expect(r.jit.keys.sort()).toEqual(['.credentials', '.credentials_rsaparams', '.runner']);
    expect(r.jit.runner).toMatchObject({ agentId: r.id, agentName: 'r1', poolId: 1, useV2Flow: true, ephemeral: true, workFolder: '_work' });
    expect(String(r.jit.runner.serverUrlV2)).toMatch(/\/$/);
    expect(r.jit.credentials.scheme).toBe('OAuth');
    expect(Object.keys(r.jit.rsa).sort()).toEqual(['d', 'dp', 'dq', 'exponent', 'inverseQ', 'modulus', 'p', 'q']);

    // A held poll wakes at once on enqueue.
    const held = poll(r);
    await new Promise((res) => setTimeout(res, 20));
    const job = w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'], runId: 4242, durationMs: 1500, conclusion: 'failed' });
    const res = await held;
    expect(res.status).toBe(200);
    const env = await json<Envelope>(res);
    expect(env.messageType).toBe('RunnerJobRequest');
    expect(env.iv).toBeUndefined();
    const req = JSON.parse(env.body) as { id: string; runner_request_id: string; run_service_url: string; should_acknowledge: boolean };
    expect(req.run_service_url).toMatch(/\/$/);

    const acq = await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id, runnerOS: 'Linux', billingOwnerId: 'x' });
    expect(acq.status).toBe(200);
    const msg = await json<JobMsg>(acq);
    expect(acq.headers.get('x-plan-id')).toBe(msg.plan.planId);
    expect(msg.jobId).toBe(job.jobId);
    expect(msg.requestId).toBe(job.requestId);
    expect(msg.variables['system.github.repository']!.value).toBe('acme/app');
    expect(msg.variables['system.github.run_id']!.value).toBe('4242');
    expect(msg.variables[SCRIPT_VARIABLES.durationMs]!.value).toBe('1500');
    expect(msg.variables[SCRIPT_VARIABLES.conclusion]!.value).toBe('failed');
    const conn = msg.resources.endpoints.find((e) => e.name.toLowerCase() === 'systemvssconnection')!;
    expect(conn.authorization.scheme).toBe('OAuth');
    const jobToken = conn.authorization.parameters.AccessToken;

    // A second acquire loses; the single-use runner is gone.
    expect((await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id })).status).toBe(401);
    expect(w.fake.control.runners().find((x) => x.id === r.id)?.state).toBe('consumed');
    const oauth = await oauthToken(r.jit, w.clock.now());
    expect(oauth.status).toBe(400);
    expect(await json(oauth)).toMatchObject({ error: 'invalid_client' });

    // Renew with the job token on the job connection URL.
    const renewWrong = await call('POST', `${conn.url}renewjob`, r.token, { planId: msg.plan.planId, jobId: msg.jobId });
    expect(renewWrong.status).toBe(401);
    expect(await json(renewWrong)).toEqual({ source: 'actions-run-service', statusCode: 401, errorMessage: 'Not authorized for this job' });
    const renewRrid = await call('POST', `${conn.url}renewjob`, jobToken, { planId: msg.plan.planId, jobId: req.runner_request_id });
    expect(renewRrid.status).toBe(404);
    const renew = await call('POST', `${conn.url}renewjob`, jobToken, { planId: msg.plan.planId, jobId: msg.jobId });
    expect(renew.status).toBe(200);
    expect(Date.parse((await json<{ lockedUntil: string }>(renew)).lockedUntil)).toBe(w.clock.now() + 10_000);
    expect(w.fake.control.job(job.requestId)?.state).toBe('running');

    // The rerun is refused while the run is going.
    const rerunUrl = `${w.fake.apiUrl}/repos/acme/app/actions/runs/4242/rerun-failed-jobs`;
    const refused = await call('POST', rerunUrl, w.inst, {});
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ message: 'This workflow is already running' });

    // completejob with GAG's `result` is refused in strict mode; `conclusion` is read.
    const gag = await call('POST', `${conn.url}completejob`, jobToken, { planId: msg.plan.planId, jobId: msg.jobId, result: 'failed' });
    expect(gag.status).toBe(400);
    expect(await json(gag)).toMatchObject({ source: 'actions-run-service', statusCode: 400 });
    const done = await call('POST', `${conn.url}completejob`, jobToken, { planId: msg.plan.planId, jobId: msg.jobId, conclusion: 'failed' });
    expect(done.status).toBe(204);
    expect(w.fake.control.job(job.requestId)).toMatchObject({ state: 'completed', conclusion: 'failed', timesAcquired: 1, timesDelivered: 1 });
    // The consumed runner's session lived on for the job's cancellation; with the job over it gives the
    // consumed-JIT signature: one empty 200, then 401.
    const empty = await poll(r);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
    expect((await poll(r)).status).toBe(401);
    const run = await json(await call('GET', `${w.fake.apiUrl}/repos/acme/app/actions/runs/4242`, w.inst));
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect((await call('POST', rerunUrl, w.inst, {})).status).toBe(201);
    expect(w.fake.control.runs().find((x) => x.runId === 4242)?.attempts).toBe(2);
    // A run concluded `cancelled` (a killed runner reports `canceled`) accepts a re-run too, and a re-run
    // queues the latest attempt's failed jobs only.
    expect((await call('POST', rerunUrl, w.inst, {})).status).toBe(403);
    w.fake.control.completeRun(4242, 'canceled');
    expect(await json(await call('GET', `${w.fake.apiUrl}/repos/acme/app/actions/runs/4242`, w.inst))).toMatchObject({ status: 'completed', conclusion: 'cancelled', run_attempt: 2 });
    expect((await call('POST', rerunUrl, w.inst, {})).status).toBe(201);
    expect(w.fake.control.jobs().filter((j) => j.runId === 4242 && j.state === 'queued')).toHaveLength(1);

    // The recorder saw each credential kind.
    const kinds = new Set(w.fake.control.requests().map((q) => q.credential));
    for (const k of ['app-jwt', 'installation-token', 'runner-oauth', 'job-token', 'none']) expect(kinds).toContain(k);
  });

  it('a lapsed lock fails the job with lost communication and the run concludes failure', async () => {
    w = await world();
    const r = await connect(w, 'r2');
    const job = w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'], durationMs: 100 });
    const env = await json<Envelope>(await poll(r));
    const req = JSON.parse(env.body) as { runner_request_id: string; run_service_url: string };
    expect((await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id })).status).toBe(200);
    w.clock.advance(9_999);
    expect(w.fake.control.job(job.requestId)?.state).toBe('acquired');
    w.clock.advance(2);
    expect(w.fake.control.job(job.requestId)).toMatchObject({ state: 'completed', conclusion: 'failed', failureMessage: expect.stringContaining('lost communication') as unknown });
    expect(w.fake.control.runs()[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('with a runner key pool, runners share pre-generated keys yet each authenticates, opens a session and is told apart by its client id', async () => {
    w = await world({ runnerKeys: { ahead: 2, reuse: true } });
    const [a, b, c] = [await connect(w, 'k1'), await connect(w, 'k2'), await connect(w, 'k3')];
    expect(a.jit.rsa.modulus).not.toBe(b.jit.rsa.modulus);
    expect(c.jit.rsa.modulus).toBe(a.jit.rsa.modulus); // round-robin over the pool
    expect(c.jit.credentials.data).not.toEqual(a.jit.credentials.data); // distinct client ids
    const job = w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'] });
    const res = await poll(c);
    expect(res.status).toBe(200);
    const req = JSON.parse((await json<Envelope>(res)).body) as { runner_request_id: string; run_service_url: string };
    expect((await call('POST', `${req.run_service_url}acquirejob`, c.token, { jobMessageId: req.runner_request_id })).status).toBe(200);
    expect(w.fake.control.job(job.requestId)?.state).not.toBe('queued');
    // A's assertion still names A: signed with the shared key it is A's token, not C's.
    expect((await oauthToken(a.jit, w.clock.now())).status).toBe(200);
  });

  it('refuses a runner key pool that is not a positive integer', async () => {
    await expect(world({ runnerKeys: { ahead: 0 } })).rejects.toThrow(/runnerKeys\.ahead/);
  });
});
