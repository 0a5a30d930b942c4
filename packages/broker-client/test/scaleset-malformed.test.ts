// A scale-set message whose body does not parse comes back by its id, so the caller can skip it.
import { startFakeGitHub, type FakeGitHub } from '@actions-gateway/testkit';
import { afterEach, expect, it } from 'vitest';
import { GitHubApp, ScaleSetSession, type ScaleSetPollResult } from '../src/index.js';

let fake: FakeGitHub | undefined;
afterEach(async () => fake?.close());

it('returns a malformed message as kind "malformed" with its id, and the next one normally', async () => {
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
  expect(await poll()).toMatchObject({ kind: 'malformed', messageId: noJobId, error: { message: expect.stringContaining('no jobId') as unknown } });
  await session.acknowledge(noJobId);
  expect(await session.getMessage({ maxCapacity: 0 })).toEqual({ kind: 'empty' });
  await session.close();
  await app.stop();
});
