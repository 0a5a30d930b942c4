// A scale-set message whose body does not parse comes back by its id, so the caller can skip it.
import { startFakeGitHub, type FakeGitHub } from '@actions-gateway/testkit';
import { afterEach, expect, it } from 'vitest';
import { GitHubApp, ScaleSetSession, type ScaleSetPollResult } from '../src/index.js';

let fake: FakeGitHub | undefined;
afterEach(async () => fake?.close());

it('returns an unparseable message as kind "malformed" with its id; skips only the bad entries of a batch', async () => {
  fake = await startFakeGitHub({ profile: 'fast', holdMs: 200 });
  const created = fake.control.createApp({ org: 'acme' });
  const app = new GitHubApp({ githubUrl: `${fake.url}/acme`, appId: created.appId, installationId: created.installationId, privateKey: created.privateKeyPem });
  const set = await app.scaleSets.createScaleSet({ name: 'bad-set', runnerGroupId: 1 });
  const session = await ScaleSetSession.create(app.scaleSets, set.id, 'agc', { conflictRetries: 0 });
  const bad = fake.control.pushScaleSetMessage(set.id, { body: 'not json' });
  const noJobId = fake.control.pushScaleSetMessage(set.id, { body: JSON.stringify([{ messageType: 'JobAssigned' }]) });
  const poll = async (): Promise<ScaleSetPollResult> => {
    for (let i = 0; i < 10; i++) {
      const r = await session.getMessage({ maxCapacity: 0 });
      if (r.kind !== 'empty') return r;
    }
    throw new Error('no message');
  };
  expect(await poll()).toMatchObject({ kind: 'malformed', messageId: bad, messageType: 'RunnerScaleSetJobMessages', error: { kind: 'malformed_body' } });
  await session.acknowledge(bad);
  // One bad entry costs only itself: the good entries of its message stand.
  expect(await poll()).toMatchObject({ kind: 'message', messageId: noJobId, jobs: [], rejected: [{ index: 0, error: { kind: 'malformed_body', message: expect.stringContaining('no jobId') as unknown } }] });
  await session.acknowledge(noJobId);
  const good = { messageType: 'JobCompleted', jobId: 'job-b', runnerRequestId: 7, result: 'succeeded' };
  const mixed = fake.control.pushScaleSetMessage(set.id, {
    body: JSON.stringify([{ messageType: 'JobAssigned', runnerRequestId: 6, jobId: 'job-a' }, { messageType: 'JobStarted', runnerRequestId: 9 }, 'junk', null, { messageType: 'JobAssigned', jobId: '' }, good]),
  });
  const batch = await poll();
  expect(batch).toMatchObject({ kind: 'message', messageId: mixed });
  if (batch.kind !== 'message') throw new Error('unreachable');
  expect(batch.jobs.map((j) => [j.type, j.jobId])).toEqual([
    ['JobAssigned', 'job-a'],
    ['JobCompleted', 'job-b'],
  ]);
  expect(batch.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4]);
  expect(batch.rejected[0]!.error.message).toMatch(/entry 1 \(JobStarted message\) has no jobId/);
  expect(batch.rejected[1]!.error.message).toMatch(/entry 2 of the message is not an object/);
  await session.acknowledge(mixed);
  expect(await session.getMessage({ maxCapacity: 0 })).toEqual({ kind: 'empty' });
  await session.close();
  await app.stop();
});
