// Against the testkit's fake GitHub over real HTTP: the README path end to end, the request shapes the Go
// original got wrong (asserted on the fake's recorded requests), encrypted messages, and the injected faults.
import { startFakeGitHub, type FakeGitHub } from '@actions-gateway/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { AutoClock } from './support/clocks.js';
import { BrokerClientError, ClassicBrokerSession, decodeJitConfig, GitHubApp, metricReason, type AcquiredJob, type PollResult } from '../src/index.js';

let fake: FakeGitHub | undefined;
afterEach(async () => fake?.close());

async function setup(options: { encryptMessages?: boolean } = {}) {
  fake = await startFakeGitHub({ profile: 'fast', holdMs: 300, ...options });
  const created = fake.control.createApp({ org: 'acme' });
  const app = new GitHubApp({ githubUrl: `${fake.url}/acme`, appId: created.appId, installationId: created.installationId, privateKey: created.privateKeyPem });
  return { fake, app };
}

async function nextJob(session: ClassicBrokerSession): Promise<PollResult & { kind: 'message' }> {
  for (let i = 0; i < 50; i++) {
    const r = await session.getMessage();
    if (r.kind === 'message') return r;
  }
  throw new Error('no message within 50 polls');
}

describe('against the fake GitHub', () => {
  it.each([false, true])('claims, renews and completes a job with the right wire shapes (encrypted messages: %s)', async (encryptMessages) => {
    const { fake, app } = await setup({ encryptMessages });
    await app.start();
    const runner = await app.registrar.generateJitConfig({ name: 'rg-0', runnerGroupId: 1, labels: ['self-hosted', 'linux'] });
    const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.330.0', ownerName: 'rg-0' });
    const queued = fake.control.enqueueJob({ org: 'acme', labels: ['self-hosted', 'linux'] });
    const msg = await nextJob(session);
    expect(msg.event.type).toBe('RunnerJobRequest');
    if (msg.event.type !== 'RunnerJobRequest') throw new Error('unreachable');
    const job: AcquiredJob = await session.acquireJob(msg.event);
    expect(job.jobId).toBe(queued.jobId);
    expect(job.planId).toBe(queued.planId);
    const { lockedUntil } = await session.runService.renewJob(job);
    expect(lockedUntil).toBeGreaterThan(Date.now());
    await session.runService.completeJob(job, 'failed');
    await session.close();
    await app.stop();
    expect(fake.control.job(queued.requestId)).toMatchObject({ state: 'completed', conclusion: 'failed' });
    const reqs = fake.control.requests();
    const one = (suffix: string) => reqs.filter((r) => r.path.endsWith(suffix));
    expect(one('/access_tokens')[0]).toMatchObject({ credential: 'app-jwt', status: 201 });
    expect(one('/generate-jitconfig')[0]).toMatchObject({ credential: 'installation-token', body: { name: 'rg-0', runner_group_id: 1, work_folder: '_work' } });
    expect(one('/acquirejob')[0]).toMatchObject({ credential: 'runner-oauth', status: 200, body: { jobMessageId: msg.event.runnerRequestId, runnerOS: 'Linux' } });
    expect(one('/renewjob')[0]).toMatchObject({ credential: 'job-token', status: 200, body: { planId: queued.planId, jobId: queued.jobId } });
    const complete = one('/completejob')[0]!;
    expect(complete).toMatchObject({ credential: 'job-token', body: { planId: queued.planId, jobId: queued.jobId, conclusion: 'failed' } });
    expect(complete.body).not.toHaveProperty('result');
    expect(queued.jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('surfaces JobCancellation as a typed event carrying the job GUID', async () => {
    const { fake } = await setup();
    // A persistent (non-JIT) runner: a consumed JIT runner's session dies at acquire (§5.4).
    const persistent = fake.control.createRunner({ scope: 'orgs/acme', name: 'rg-1', labels: ['self-hosted'], ephemeral: false });
    const session = await ClassicBrokerSession.create({ jit: decodeJitConfig(persistent.encodedJitConfig), runnerVersion: '2.330.0' });
    const queued = fake.control.enqueueJob({ org: 'acme', labels: ['self-hosted'] });
    const msg = await nextJob(session);
    if (msg.event.type !== 'RunnerJobRequest') throw new Error(`unexpected ${msg.event.type}`);
    await session.acquireJob(msg.event);
    fake.control.cancelRun(queued.runId);
    const cancel = await nextJob(session);
    expect(cancel.event).toMatchObject({ type: 'JobCancellation', jobId: queued.jobId });
    await session.close();
  });

  it('honours injected faults: 429 Retry-After, black hole, version too old, acquire race, 401 re-mint', async () => {
    const { fake, app } = await setup();
    const runner = await app.registrar.generateJitConfig({ name: 'rg-2', labels: ['self-hosted'] });
    // Waits go through an injected clock (sleeps pass at once, time moves by their length); sockets are real.
    const clock = new AutoClock();
    const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.330.0', pollHeadersTimeoutMs: 400, clock, random: () => 0 });
    // 429 with Retry-After: 1 s: the next poll is not sent before it has passed on the client's clock.
    fake.control.inject({ method: 'GET', path: '**/message', action: { status: 429, shape: 'text', retryAfter: { seconds: 1 } } });
    const limited = await session.getMessage().catch((e: unknown) => e);
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
    const before = clock.now();
    await session.getMessage();
    const polls = fake.control.requests().filter((r) => r.path.endsWith('/message'));
    expect(polls).toHaveLength(2);
    expect(clock.now() - before).toBeGreaterThanOrEqual(1000);
    expect(clock.sleeps.at(-1)).toBeGreaterThanOrEqual(1000);
    // Black hole: bounded by the header deadline, reported as timeout.
    fake.control.inject({ method: 'GET', path: '**/message', action: { blackhole: 'before-headers' } });
    const hole = await session.getMessage();
    expect(hole.kind).toBe('timeout');
    if (hole.kind === 'timeout') expect(metricReason(hole.error)).toBe('timeout');
    // 401 once: one re-mint, one retry, no error.
    fake.control.inject({ method: 'GET', path: '**/message', action: { status: 401, shape: 'broker' } });
    expect((await session.getMessage()).kind).not.toBe('timeout');
    // Version too old: typed and non-retriable.
    fake.control.inject({ method: 'GET', path: '**/message', action: { status: 403, shape: 'broker', errorKind: 'RunnerVersionTooOld', message: 'Runner version v2.330.0 is deprecated' } });
    const old = await session.getMessage().catch((e: unknown) => e);
    expect(old).toMatchObject({ kind: 'version_too_old', retriable: false });
    // Acquire race lost → already_claimed.
    fake.control.enqueueJob({ org: 'acme', labels: ['self-hosted'] });
    fake.control.inject({ method: 'POST', path: '**/acquirejob', action: { status: 409, shape: 'run-service', message: 'Job message already acquired' } });
    const msg = await nextJob(session);
    if (msg.event.type !== 'RunnerJobRequest') throw new Error('unreachable');
    const lost = await session.acquireJob(msg.event).catch((e: unknown) => e);
    expect(metricReason(lost)).toBe('already_claimed');
    await session.close();
  });

  it('types a truncated and a malformed poll body', async () => {
    const { fake, app } = await setup();
    const runner = await app.registrar.generateJitConfig({ name: 'rg-3', labels: ['self-hosted'] });
    const clock = new AutoClock();
    const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.330.0', clock });
    fake.control.inject({ method: 'GET', path: '**/message', action: { status: 200, rawBody: '{"messageId": 1, "messageType": "RunnerJobRe' } });
    await expect(session.getMessage()).rejects.toMatchObject({ kind: 'malformed_body' });
    fake.control.inject({ method: 'GET', path: '**/message', action: { status: 200, reset: true } });
    const cut = await session.getMessage().catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(BrokerClientError);
    expect(['truncated_body', 'network']).toContain((cut as BrokerClientError).kind);
  });
});
