// The scale-set client against the testkit's fake GitHub over real HTTP (auto-assignment mode).
import { startFakeGitHub, type FakeGitHub } from '@actions-gateway/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubApp, ScaleSetSession, type ScaleSetPollResult } from '../src/index.js';

let fake: FakeGitHub | undefined;
afterEach(async () => fake?.close());

describe('scale sets against the fake GitHub', () => {
  it('bootstraps, advertises capacity, receives JobAssigned, acks after the caller persists, and gets per-job JIT configs', async () => {
    fake = await startFakeGitHub({ profile: 'fast', holdMs: 300 });
    const created = fake.control.createApp({ org: 'acme' });
    fake.control.addRepo('acme/app');
    const app = new GitHubApp({ githubUrl: `${fake.url}/acme`, appId: created.appId, installationId: created.installationId, privateKey: created.privateKeyPem });
    const admin = app.scaleSets;
    const groupId = await admin.getRunnerGroupId('Default');
    expect(groupId).toBe(1);
    const set = await admin.createScaleSet({ name: 'arc-set', runnerGroupId: 1 });
    expect(await admin.getScaleSetByName(1, 'arc-set')).toMatchObject({ id: set.id, name: 'arc-set' });
    const session = await ScaleSetSession.create(admin, set.id, 'agc-acme', { conflictRetries: 0 });
    await expect(ScaleSetSession.create(admin, set.id, 'agc-other', { conflictRetries: 0 })).rejects.toMatchObject({ kind: 'session_conflict' });

    const queued = fake.control.enqueueJob({ repo: 'acme/app', labels: ['arc-set'], runId: 900 });
    let message: ScaleSetPollResult | undefined;
    for (let i = 0; i < 30 && message?.kind !== 'message'; i++) message = await session.getMessage({ maxCapacity: 2 });
    if (message?.kind !== 'message') throw new Error('no scale-set message');
    expect(message.jobs.some((j) => j.type === 'JobAssigned' && j.jobId === queued.jobId)).toBe(true);
    // Not acked yet: a poll redelivers it (at-least-once until the caller persists and acks).
    let replay: ScaleSetPollResult | undefined;
    for (let i = 0; i < 5 && replay?.kind !== 'message'; i++) replay = await session.getMessage({ maxCapacity: 2 });
    expect(replay).toMatchObject({ kind: 'message', messageId: message.messageId });
    await session.acknowledge(message.messageId);
    expect(session.lastMessageId).toBe(message.messageId);
    const runner = await admin.generateJitConfig(set.id, 'arc-set-runner');
    expect(runner.jit.runner.agentId).toBeGreaterThan(0);
    expect(await session.refresh()).toBeDefined();
    await session.close();
    await admin.deleteScaleSet(set.id);

    const reqs = fake.control.requests();
    const polls = reqs.filter((r) => r.credential === 'queue-token' && r.method === 'GET');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(reqs.some((r) => r.credential === 'remote-auth')).toBe(true);
    const ack = reqs.find((r) => r.method === 'DELETE' && r.path.endsWith(`/${message.messageId}`));
    expect(ack).toMatchObject({ credential: 'queue-token' });
    expect(reqs.findIndex((r) => r === ack)).toBeGreaterThan(reqs.findIndex((r) => r === polls[1]));
  });
});
