// @actions-gateway/broker-client: from a GitHub App key and an organisation URL to a claimed, renewed and
// completed job. GitHub here is the testkit's fake on 127.0.0.1; against github.com only the inputs change.
import { ClassicBrokerSession, GitHubApp, metricReason } from '@actions-gateway/broker-client';
import { startFakeGitHub } from '@actions-gateway/testkit';

const github = await startFakeGitHub({ profile: 'fast', holdMs: 300 });
const created = github.control.createApp({ org: 'my-org' });
const queued = github.control.enqueueJob({ org: 'my-org', labels: ['self-hosted', 'linux'] });

const app = new GitHubApp({
  githubUrl: `${github.url}/my-org`,
  appId: created.appId,
  privateKey: created.privateKeyPem,
  installationId: created.installationId,
  onRefresh: () => console.log('installation token refreshed'),
});

try {
  await app.start(); // the first installation token; refreshed in the background from now on
  const runner = await app.registrar.generateJitConfig({ name: 'example-runner-0', runnerGroupId: 1, labels: ['self-hosted', 'linux'] });
  console.log(`registered JIT runner ${runner.jit.runner.agentId}`);

  const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.335.1' });
  try {
    for (;;) {
      const poll = await session.getMessage().catch((error: unknown) => {
        console.log(`poll error, reason=${metricReason(error)}`);
        if ((error as { retriable?: boolean }).retriable === false) throw error;
        return undefined;
      });
      if (poll?.kind !== 'message' || poll.event.type !== 'RunnerJobRequest') continue;

      const job = await session.acquireJob(poll.event);
      const { lockedUntil } = await session.runService.renewJob(job); // the job token and the job's own id
      console.log(`claimed job ${job.jobId}, locked until ${new Date(lockedUntil).toISOString()}`);
      // In the product the worker completes the job; here we do, with the same job-scoped token.
      await session.runService.completeJob(job, 'succeeded');
      break;
    }
  } finally {
    await session.close();
  }

  const view = github.control.job(queued.requestId);
  if (view?.state !== 'completed' || view.conclusion !== 'succeeded') throw new Error(`job ended ${view?.state}/${view?.conclusion}`);
  console.log(`ok: job ${view.requestId} completed at GitHub with conclusion ${view.conclusion}`);
} finally {
  await app.stop();
  await github.close();
}
