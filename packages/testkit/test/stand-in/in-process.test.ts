// The kubelet's in-process mode running the stand-in: a job acquired with the broker client, its payload staged
// in a Secret, a pod created — the stand-in completes the job at the fake GitHub with the scripted conclusion.
import { afterEach, describe, expect, it } from 'vitest';
import { standInContainers } from '../../src/index.js';
import { acquireNext, phaseOf, rig, until, workerPod, type Rig } from './support.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const stageSecret = async (rg: Rig, name: string, data: Record<string, string>): Promise<void> => {
  await rg.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name }, stringData: data } });
};

describe('kubelet in-process mode with the stand-in runner', () => {
  it('completes each job with its scripted conclusion; the pod phase follows the exit code', async () => {
    r = await rig({ inProcess: standInContainers() });
    const ok = r.github.control.enqueueJob({ org: 'acme', labels: ['self-hosted'], durationMs: 30, conclusion: 'succeeded' });
    const bad = r.github.control.enqueueJob({ org: 'acme', labels: ['self-hosted'], durationMs: 0, conclusion: 'failed' });
    for (const name of ['a', 'b']) {
      const job = await acquireNext(r.github, ['self-hosted']);
      await stageSecret(r, `job-${name}`, { payload: job.messageJson, 'plan-id': job.planId });
      await r.core.createNamespacedPod({ namespace: 'default', body: workerPod(`worker-${name}`, `job-${name}`) });
    }
    const gh = r.github;
    await until(() => [ok, bad].every((j) => gh.control.job(j.requestId)?.state === 'completed'), 'both jobs concluded');
    expect(gh.control.job(ok.requestId)?.conclusion).toBe('succeeded');
    expect(gh.control.job(bad.requestId)?.conclusion).toBe('failed');
    const api = r.api;
    await until(() => ['worker-a', 'worker-b'].every((n) => ['Succeeded', 'Failed'].includes(phaseOf(api, n) ?? '')), 'pods ended');
    const byJob = new Map([[ok.planId, 'Succeeded'], [bad.planId, 'Failed']]);
    for (const n of ['a', 'b']) {
      const secret = await r.core.readNamespacedSecret({ name: `job-${n}`, namespace: 'default' });
      const planId = Buffer.from(secret.data!['plan-id']!, 'base64').toString();
      expect(phaseOf(api, `worker-${n}`)).toBe(byJob.get(planId));
    }
    const completes = gh.control.requests().filter((q) => q.path.endsWith('/completejob'));
    expect(completes).toHaveLength(2);
    for (const c of completes) expect(c).toMatchObject({ credential: 'job-token', status: 204 });
  });

  it('cancels a running job when its pod is deleted: completejob canceled, then the pod goes', async () => {
    r = await rig({ inProcess: standInContainers() });
    const long = r.github.control.enqueueJob({ org: 'acme', labels: ['self-hosted'], durationMs: 60_000 });
    const job = await acquireNext(r.github, ['self-hosted']);
    await stageSecret(r, 'job-long', { payload: job.messageJson });
    await r.core.createNamespacedPod({ namespace: 'default', body: workerPod('worker-long', 'job-long') });
    const api = r.api;
    await until(() => phaseOf(api, 'worker-long') === 'Running', 'pod running');
    await r.core.deleteNamespacedPod({ name: 'worker-long', namespace: 'default' });
    const gh = r.github;
    await until(() => gh.control.job(long.requestId)?.state === 'completed', 'job concluded');
    expect(gh.control.job(long.requestId)?.conclusion).toBe('canceled');
    await until(() => phaseOf(api, 'worker-long') === undefined, 'pod removed');
  });

  it('acts as a runner when the pod has only a JIT config: session, acquire, renew, complete', async () => {
    r = await rig({ inProcess: standInContainers({ run: { renewIntervalMs: 50 } }) });
    const runner = r.github.control.createRunner({ scope: 'orgs/acme', name: 'jit-1', labels: ['self-hosted', 'jit'] });
    await stageSecret(r, 'job-jit', { jitconfig: runner.encodedJitConfig });
    await r.core.createNamespacedPod({ namespace: 'default', body: workerPod('worker-jit', 'job-jit') });
    const queued = r.github.control.enqueueJob({ org: 'acme', labels: ['jit'], durationMs: 200, conclusion: 'succeededWithIssues' });
    const gh = r.github;
    const api = r.api;
    await until(() => gh.control.job(queued.requestId)?.state === 'completed', 'job concluded');
    expect(gh.control.job(queued.requestId)).toMatchObject({ conclusion: 'succeededWithIssues', acquiredBy: { runnerName: 'jit-1' } });
    await until(() => phaseOf(api, 'worker-jit') === 'Succeeded', 'pod succeeded');
    const paths = gh.control.requests().map((q) => `${q.method} ${q.path.replace(/\/\d+\//, '/N/')}`);
    const renewals = paths.filter((p) => p.endsWith('/renewjob')).length;
    expect(renewals).toBeGreaterThanOrEqual(2); // at once after acquire, then on the interval
    expect(paths.filter((p) => p.endsWith('/completejob'))).toHaveLength(1);
    expect(paths.some((p) => p.startsWith('DELETE') && p.endsWith('/session'))).toBe(true);
  });

  it('fails the pod, naming the field, when the payload is not a job message', async () => {
    r = await rig({ inProcess: standInContainers() });
    await stageSecret(r, 'job-bad', { payload: '{"plan":{"planId":"p"},"resources":{"endpoints":[{"name":"SystemVssConnection","url":"http://127.0.0.1:1/"}]}}' });
    await r.core.createNamespacedPod({ namespace: 'default', body: workerPod('worker-bad', 'job-bad') });
    const api = r.api;
    await until(() => phaseOf(api, 'worker-bad') === 'Failed', 'pod failed');
    const pod = await r.core.readNamespacedPod({ name: 'worker-bad', namespace: 'default' });
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
  });
});
