// Classic broker behaviour beyond the happy path: sessions, holds, fan-out, windows, encryption, cancellation.
import { afterEach, describe, expect, it } from 'vitest';
import { call, decryptBody, json, until } from './runner-support.js';
import { connect, connectWith, poll, world, type World } from './setup.js';

let w: World | undefined;
afterEach(async () => {
  await w?.fake.close();
  w = undefined;
});

interface Envelope { messageId: number; messageType: string; body: string; iv?: string }
type Req = { runner_request_id: string; run_service_url: string };

describe('classic broker', () => {
  it('allows one session per runner (409) and deletes the session named by the bearer token, waking its held poll', async () => {
    w = await world();
    const r = await connect(w, 'one');
    const again = await call('POST', `${r.broker}session`, r.token, { agent: { id: r.id, name: 'one' } });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ source: 'actions-broker-listener', statusCode: 409 });
    const held = poll(r);
    await until(() => w!.fake.control.heldPolls() === 1, 'held poll');
    expect((await call('DELETE', `${r.broker}session`, r.token)).status).toBe(200);
    expect((await held).status).toBe(202);
    const after = await poll(r);
    expect(after.status).toBe(404);
    expect(await json(after)).toMatchObject({ errorKind: 'RunnerSessionInvalid' });
  });

  it('answers 202 with an empty body when the hold elapses, and releases a held poll whose client went away', async () => {
    w = await world();
    const r = await connect(w, 'hold');
    const held = poll(r);
    await until(() => w!.fake.control.heldPolls() === 1, 'held poll');
    w.clock.advance(500);
    const res = await held;
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    const ac = new AbortController();
    const gone = fetch(`${r.broker}message?sessionId=${r.sessionId}&status=Online`, { headers: { authorization: `Bearer ${r.token}` }, signal: ac.signal });
    await until(() => w!.fake.control.heldPolls() === 1, 'second held poll');
    ac.abort();
    await gone.catch(() => undefined);
    await until(() => w!.fake.control.heldPolls() === 0, 'release on disconnect');
  });

  it('fans one job out to two sessions with distinct runner_request_ids and the same plan; the first acquire wins, the second gets 409', async () => {
    w = await world();
    const a = await connect(w, 'fa');
    const b = await connect(w, 'fb');
    const job = w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'], fanout: 2 });
    const ea = JSON.parse((await json<Envelope>(await poll(a))).body) as Req;
    const eb = JSON.parse((await json<Envelope>(await poll(b))).body) as Req;
    expect(ea.runner_request_id).not.toBe(eb.runner_request_id);
    expect(ea.run_service_url).toBe(eb.run_service_url);
    const win = await call('POST', `${ea.run_service_url}acquirejob`, a.token, { jobMessageId: ea.runner_request_id });
    expect(win.status).toBe(200);
    const lose = await call('POST', `${eb.run_service_url}acquirejob`, b.token, { jobMessageId: eb.runner_request_id });
    expect(lose.status).toBe(409);
    expect(await json(lose)).toEqual({ source: 'actions-run-service', statusCode: 409, errorMessage: 'Job message already acquired' });
    expect(w.fake.control.job(job.requestId)).toMatchObject({ timesDelivered: 2, timesAcquired: 1 });
  });

  it('redelivers a delivery that was not acquired within the window; the stale delivery then gets 404', async () => {
    w = await world();
    const r = await connect(w, 'win');
    w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    const first = JSON.parse((await json<Envelope>(await poll(r))).body) as Req;
    w.clock.advance(5_001);
    const second = JSON.parse((await json<Envelope>(await poll(r))).body) as Req;
    expect(second.runner_request_id).not.toBe(first.runner_request_id);
    const stale = await call('POST', `${first.run_service_url}acquirejob`, r.token, { jobMessageId: first.runner_request_id });
    expect(stale.status).toBe(404);
    expect(await json(stale)).toMatchObject({ source: 'actions-run-service', errorMessage: 'Job message not found' });
    expect((await call('POST', `${second.run_service_url}acquirejob`, r.token, { jobMessageId: second.runner_request_id })).status).toBe(200);
  });

  it('encrypts message bodies as the broker does: RSA-OAEP-SHA1 wrapped AES-256 key, AES-CBC body, IV in its own field', async () => {
    w = await world({ encryptMessages: true });
    const r = await connect(w, 'enc');
    const key = r.session.encryptionKey as { encrypted: boolean; value: string };
    expect(key.encrypted).toBe(true);
    w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    const env = await json<Envelope>(await poll(r));
    expect(env.iv).toBeTruthy();
    const plain = JSON.parse(decryptBody(key.value, r.jit.key, env.body, env.iv!)) as Req;
    expect(plain.run_service_url).toContain('/_run/');
  });

  it('sends JobCancellation to the session holding a running job, and ends unstarted jobs of a cancelled run at once', async () => {
    w = await world();
    const reg = w.fake.control.createRunner({ scope: 'repos/acme/app', name: 'persistent', labels: ['linux'], ephemeral: false });
    const r = await connectWith(w, reg.encodedJitConfig, reg.id, 'persistent');
    const job = w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'], runId: 77 });
    const req = JSON.parse((await json<Envelope>(await poll(r))).body) as Req;
    expect((await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id })).status).toBe(200);
    w.fake.control.cancelRun(77);
    const env = await json<Envelope>(await poll(r, 'Busy'));
    expect(env.messageType).toBe('JobCancellation');
    expect(JSON.parse(env.body)).toEqual({ jobId: job.jobId, timeout: '00:05:00' });
    expect(w.fake.control.job(job.requestId)?.state).toBe('acquired');
    const unstarted = w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['nobody-has-this'], runId: 78 });
    w.fake.control.cancelRun(78);
    expect(w.fake.control.job(unstarted.requestId)).toMatchObject({ state: 'cancelled', conclusion: 'canceled' });
    expect(w.fake.control.runs().find((x) => x.runId === 78)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
  });

  it('sends JobCancellation to a single-use runner\'s session while the job it took is open (run-once runners poll for it)', async () => {
    w = await world();
    const r = await connect(w, 'jit-cancel');
    const job = w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'], runId: 79 });
    const req = JSON.parse((await json<Envelope>(await poll(r))).body) as Req;
    expect((await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id })).status).toBe(200);
    expect(w.fake.control.runners().find((x) => x.id === r.id)?.state).toBe('consumed');
    const held = poll(r, 'Busy');
    w.fake.control.cancelRun(79);
    const env = await json<Envelope>(await held);
    expect(env.messageType).toBe('JobCancellation');
    expect(JSON.parse(env.body)).toEqual({ jobId: job.jobId, timeout: '00:05:00' });
    w.fake.control.completeRun(79, 'canceled');
    const empty = await poll(r);
    expect([empty.status, await empty.text()]).toEqual([200, '']);
    expect((await poll(r)).status).toBe(401);
  });

  it('acknowledges a live delivery (200) and refuses a stale one with AcknowledgeJobNotFound; tolerates a doubled slash in the run-service URL', async () => {
    w = await world();
    const r = await connect(w, 'ack');
    w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    const req = JSON.parse((await json<Envelope>(await poll(r))).body) as Req;
    const q = `sessionId=${r.sessionId}&status=Online&runnerVersion=2.330.0&os=Linux&architecture=X64`;
    expect((await call('POST', `${r.broker}acknowledge?${q}`, r.token, { runnerRequestId: req.runner_request_id })).status).toBe(200);
    const stale = await call('POST', `${r.broker}acknowledge?${q}`, r.token, { runnerRequestId: '1' });
    expect(stale.status).toBe(404);
    expect(await json(stale)).toMatchObject({ source: 'actions-broker-listener', errorKind: 'AcknowledgeJobNotFound' });
    expect((await call('POST', `${req.run_service_url}/acquirejob`, r.token, { jobMessageId: req.runner_request_id })).status).toBe(200);
  });

  it('expires an idle session: the next poll gets RunnerSessionInvalid', async () => {
    w = await world();
    const r = await connect(w, 'idle');
    w.clock.advance(60_001);
    const res = await poll(r);
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ source: 'actions-broker-listener', errorKind: 'RunnerSessionInvalid' });
  });

  it('in lenient mode accepts the Go original\'s runner_request_id and `result` (and, like the service, ignores `result`)', async () => {
    w = await world({ strict: false });
    const r = await connect(w, 'len');
    const job = w.fake.control.enqueueJob({ org: 'acme', labels: ['linux'] });
    const req = JSON.parse((await json<Envelope>(await poll(r))).body) as Req;
    const msg = await json<{ plan: { planId: string }; resources: { endpoints: { url: string; authorization: { parameters: { AccessToken: string } } }[] } }>(
      await call('POST', `${req.run_service_url}acquirejob`, r.token, { jobMessageId: req.runner_request_id }));
    const ep = msg.resources.endpoints[0]!;
    const jt = ep.authorization.parameters.AccessToken;
    expect((await call('POST', `${ep.url}renewjob`, jt, { planId: msg.plan.planId, jobId: req.runner_request_id })).status).toBe(200);
    expect((await call('POST', `${ep.url}completejob`, jt, { planId: msg.plan.planId, jobId: req.runner_request_id, result: 'canceled' })).status).toBe(204);
    expect(w.fake.control.job(job.requestId)?.conclusion).toBe('succeeded');
  });
});
