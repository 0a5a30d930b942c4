// createJobBrokerPort and createWorkflowRunsPort against the fake GitHub, through real classic sessions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJobBrokerPort } from '../../../src/agc/ports/job-broker-port.js';
import { createWorkflowRunsPort } from '../../../src/agc/ports/workflow-runs-port.js';
import { nextJobMessage, openSession, startGitHubEnv, type GitHubEnv } from './github-env.js';

let env: GitHubEnv;
const signal = new AbortController().signal;

beforeEach(async () => {
  env = await startGitHubEnv();
});
afterEach(async () => env.close());

describe('JobBrokerPort', () => {
  it('acquires, renews and completes with the conclusion, the job GUID and the job token', async () => {
    const queued = env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'] });
    const session = await openSession(env);
    const broker = createJobBrokerPort({ session });
    const acquired = await broker.acquireJob(await nextJobMessage(session), signal);
    if (acquired.kind !== 'acquired') throw new Error(`expected acquired, got ${acquired.kind}`);
    expect(acquired.lease).toMatchObject({ jobId: queued.jobId, planId: queued.planId });
    expect(JSON.parse(acquired.payload)).toMatchObject({ jobId: queued.jobId });

    const renewed = await broker.renewJob(acquired.lease, signal);
    expect(renewed.kind).toBe('renewed');
    expect(renewed.kind === 'renewed' && renewed.lockedUntil instanceof Date).toBe(true);

    expect(await broker.completeJob(acquired.lease, 'failed', signal)).toEqual({ kind: 'accepted' });
    const complete = env.fake.control.requests().find((r) => r.path.endsWith('/completejob'));
    expect(complete).toMatchObject({ credential: 'job-token', status: expect.any(Number) as unknown });
    expect(complete?.body).toMatchObject({ jobId: queued.jobId, planId: queued.planId, conclusion: 'failed' });
    expect(env.fake.control.job(queued.requestId)).toMatchObject({ state: 'completed', conclusion: 'failed' });

    // The job is gone now: renew says so, complete and cancel say not_found.
    const after = await broker.renewJob(acquired.lease, signal);
    expect(after).toMatchObject({ kind: 'gone' });
    expect(await broker.cancelJob(acquired.lease, signal)).toEqual({ kind: 'not_found' });
  });

  it('cancels a job so GitHub concludes it cancelled', async () => {
    const queued = env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'] });
    const session = await openSession(env);
    const broker = createJobBrokerPort({ session });
    const acquired = await broker.acquireJob(await nextJobMessage(session), signal);
    if (acquired.kind !== 'acquired') throw new Error(`expected acquired, got ${acquired.kind}`);
    expect(await broker.cancelJob(acquired.lease, signal)).toEqual({ kind: 'accepted' });
    expect(env.fake.control.requests().find((r) => r.path.endsWith('/completejob'))?.body).toMatchObject({ conclusion: 'canceled' });
    expect(env.fake.control.job(queued.requestId)?.conclusion).toMatch(/cancel/);
  });

  it('answers already_claimed to the loser of a fan-out', async () => {
    env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'], fanout: 2 });
    const [a, b] = [await openSession(env), await openSession(env)];
    const [ma, mb] = await Promise.all([nextJobMessage(a), nextJobMessage(b)]);
    expect(ma.runnerRequestId).not.toBe(mb.runnerRequestId);
    expect((await createJobBrokerPort({ session: a }).acquireJob(ma, signal)).kind).toBe('acquired');
    expect(await createJobBrokerPort({ session: b }).acquireJob(mb, signal)).toEqual({ kind: 'already_claimed' });
  });

  it('maps acquire refusals: 404 → delivery_window_expired, RunnerVersionTooOld → version_too_old, 500 → error', async () => {
    env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'] });
    const session = await openSession(env);
    const broker = createJobBrokerPort({ session });
    const message = await nextJobMessage(session);
    const acquire = '/_run/*/acquirejob';
    env.fake.control.inject({ method: 'POST', path: acquire, action: { status: 404, shape: 'run-service', message: 'job message expired' } });
    expect(await broker.acquireJob(message, signal)).toEqual({ kind: 'delivery_window_expired' });
    env.fake.control.inject({ method: 'POST', path: acquire, action: { status: 403, shape: 'broker', errorKind: 'RunnerVersionTooOld', message: 'too old' } });
    expect(await broker.acquireJob(message, signal)).toEqual({ kind: 'version_too_old' });
    env.fake.control.inject({ method: 'POST', path: acquire, action: { status: 500, shape: 'run-service', message: 'boom' } });
    expect(await broker.acquireJob(message, signal)).toMatchObject({ kind: 'error', error: expect.any(Error) as unknown });
    expect((await broker.acquireJob(message, signal)).kind).toBe('acquired'); // the faults are spent
  });
});

describe('WorkflowRunsPort', () => {
  it('refuses a rerun while the run is running, accepts it once the run concluded, and reads the status', async () => {
    const queued = env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'linux'] });
    const runs = createWorkflowRunsPort({ rest: env.app.rest });
    const run = { owner: 'acme', repo: 'app', runId: String(queued.runId) };
    expect(await runs.getRunStatus(run, signal)).toMatchObject({ kind: 'found', status: expect.not.stringMatching(/^completed$/) as unknown });
    expect(await runs.rerunFailedJobs(run, signal)).toEqual({ kind: 'already_running' });

    env.fake.control.completeRun(queued.runId, 'failure');
    expect(await runs.getRunStatus(run, signal)).toEqual({ kind: 'found', status: 'completed', conclusion: 'failure' });
    expect(await runs.rerunFailedJobs(run, signal)).toEqual({ kind: 'accepted' });
    const rerun = env.fake.control.requests().find((r) => r.path.endsWith(`/actions/runs/${queued.runId}/rerun-failed-jobs`) && r.status === 201);
    expect(rerun?.credential).toBe('installation-token');
  });

  it('maps an unknown run to not_found and another 403 to forbidden with its message', async () => {
    const runs = createWorkflowRunsPort({ rest: env.app.rest });
    const missing = { owner: 'acme', repo: 'app', runId: '987654' };
    expect(await runs.rerunFailedJobs(missing, signal)).toEqual({ kind: 'not_found' });
    expect(await runs.getRunStatus(missing, signal)).toEqual({ kind: 'not_found' });
    env.fake.control.inject({ method: 'POST', path: '/repos/acme/app/actions/runs/*/rerun-failed-jobs', action: { status: 403, shape: 'rest', message: 'Resource not accessible by integration' } });
    expect(await runs.rerunFailedJobs(missing, signal)).toEqual({ kind: 'forbidden', message: 'Resource not accessible by integration' });
  });
});
