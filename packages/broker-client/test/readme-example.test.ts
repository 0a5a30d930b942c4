// The README example, line for line, against the fake GitHub (only the inputs come from the fake).
import { startFakeGitHub } from '@actions-gateway/testkit';
import { expect, it } from 'vitest';
import { ClassicBrokerSession, GitHubApp, metricReason } from '../src/index.js';

it('the README example claims a job', async () => {
  const fake = await startFakeGitHub({ profile: 'fast', holdMs: 300 });
  const created = fake.control.createApp({ org: 'my-org' });
  fake.control.enqueueJob({ org: 'my-org', labels: ['self-hosted', 'linux'] });
  const log: string[] = [];
  const console = { log: (...args: unknown[]) => log.push(args.join(' ')) };
  try {
    // ---- README example from here (readFileSync/env replaced by the fake's values) ----
    const app = new GitHubApp({
      githubUrl: `${fake.url}/my-org`,
      appId: created.appId,
      privateKey: created.privateKeyPem,
      installationId: created.installationId,
      onRefresh: () => console.log('token_refreshes_total++'),
      onRefreshError: () => console.log('token_refresh_errors_total++'),
    });
    await app.start();
    const runner = await app.registrar.generateJitConfig({ name: 'my-runner-0', runnerGroupId: 1, labels: ['self-hosted', 'linux'] });
    const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.330.0' });
    try {
      for (;;) {
        const poll = await session.getMessage().catch((error: unknown) => {
          console.log('message_poll_errors_total', metricReason(error));
          if ((error as { retriable?: boolean }).retriable === false) throw error;
          return undefined;
        });
        if (poll?.kind !== 'message' || poll.event.type !== 'RunnerJobRequest') continue;
        const job = await session.acquireJob(poll.event);
        const { lockedUntil } = await session.runService.renewJob(job);
        console.log(`claimed job ${job.jobId} of plan ${job.planId}, locked until ${new Date(lockedUntil).toISOString()}`);
        break;
      }
    } finally {
      await session.close();
      await app.stop();
    }
    // ---- end of the README example ----
    expect(log).toEqual(['token_refreshes_total++', expect.stringMatching(/^claimed job [0-9a-f-]{36} of plan [0-9a-f-]{36}, locked until /) as unknown]);
    expect(fake.control.jobs()[0]).toMatchObject({ state: 'running', timesAcquired: 1 });
  } finally {
    await fake.close();
  }
});
