// The fake GitHub with one App on org `acme` and repo `acme/app`, plus real classic runner sessions on it.
import { ClassicBrokerSession, GitHubApp, type RunnerJobRequestEvent } from '@actions-gateway/broker-client';
import type { JobMessage } from '@actions-gateway/core';
import { startFakeGitHub, type FakeGitHub } from '@actions-gateway/testkit';

export interface GitHubEnv {
  readonly fake: FakeGitHub;
  readonly app: GitHubApp;
  readonly sessions: ClassicBrokerSession[];
  close(): Promise<void>;
}

export async function startGitHubEnv(): Promise<GitHubEnv> {
  const fake = await startFakeGitHub({ profile: 'fast', holdMs: 200 });
  const created = fake.control.createApp({ org: 'acme' });
  fake.control.addRepo('acme/app');
  const app = new GitHubApp({ githubUrl: `${fake.url}/acme`, appId: created.appId, privateKey: created.privateKeyPem, installationId: created.installationId });
  await app.start();
  const sessions: ClassicBrokerSession[] = [];
  return {
    fake,
    app,
    sessions,
    async close() {
      await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
      await app.stop();
      await fake.close();
    },
  };
}

let runners = 0;

/** Registers a JIT runner and opens its classic session. */
export async function openSession(env: GitHubEnv): Promise<ClassicBrokerSession> {
  const runner = await env.app.registrar.generateJitConfig({ name: `agc-ports-${++runners}`, runnerGroupId: 1, labels: ['self-hosted', 'linux'] });
  const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.330.0' });
  env.sessions.push(session);
  return session;
}

/** Polls until the session is offered a job; returns it as core's JobMessage. */
export async function nextJobMessage(session: ClassicBrokerSession): Promise<JobMessage> {
  for (let polls = 0; polls < 50; polls++) {
    const poll = await session.getMessage();
    if (poll.kind === 'message' && poll.event.type === 'RunnerJobRequest') {
      const event: RunnerJobRequestEvent = poll.event;
      return { runnerRequestId: event.runnerRequestId, runServiceUrl: event.runServiceUrl, ...(event.billingOwnerId !== undefined && { billingOwnerId: event.billingOwnerId }) };
    }
  }
  throw new Error('no RunnerJobRequest within 50 polls');
}
