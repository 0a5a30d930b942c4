// A classic listener takes over the jobs an earlier AGC claimed: it renews their locks (GitHub fails a job
// whose lock lapses), creates the pod of a job staged just before the AGC stopped, and leaves a job that has
// already ended alone. Worker pods run the testkit stand-in runner, which completes its job with the job token.
import { standInContainers } from '@actions-gateway/testkit';
import { afterEach, expect, it } from 'vitest';
import { LABELS, NAMESPACE, startClassicEnv, waitFor, workerPods, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv | undefined;
afterEach(async () => env?.close());

/** GitHub's lock as given (the fast profile's 10 s by default); the AGC renews every 500 ms. */
async function start(lockTtlMs?: number): Promise<ClassicEnv> {
  env = await startClassicEnv({
    kubelet: { startDelayMs: 0, inProcess: standInContainers({ run: { completeRetryDelayMs: 50 } }) },
    ...(lockTtlMs !== undefined && { fakeTimings: { lockTtlMs } }),
  });
  return env;
}
const timings = { renewIntervalMs: 500 };

const jobSecrets = async (e: ClassicEnv): Promise<string[]> =>
  (await e.core.listNamespacedSecret({ namespace: NAMESPACE, labelSelector: 'actions-gateway/plan-id' })).items.map((s) => s.metadata?.name ?? '');

const renewsAfter = (e: ClassicEnv, since: number): number => e.fake.control.requests().filter((r) => r.path.endsWith('/renewjob') && r.status === 200 && r.at >= since).length;

it('renews the lock of a job running across an AGC restart, so it concludes once and succeeds', async () => {
  const e = await start(3_000); // a job of a few seconds outlives the lock
  const first = await e.startListener({ spec: { maxListeners: 1 }, timings });
  const job = e.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 7_000 });
  await waitFor(async () => (await workerPods(e)).some((p) => p.phase === 'Running'), 'the worker pod running', 15_000);
  await first.listener.stop('shutdown'); // its renewals stop with it; the pod runs on
  const restartedAt = Date.now();

  await e.startListener({ reuse: true, spec: { maxListeners: 1 }, timings });
  await waitFor(() => e.fake.control.job(job.requestId)?.state === 'completed', 'the job concluded', 20_000);
  const concluded = e.fake.control.job(job.requestId)!;
  expect(concluded.conclusion).toBe('succeeded'); // without the take-over: failed, its lock lapsed
  expect(concluded.timesAcquired).toBe(1);
  expect(renewsAfter(e, restartedAt)).toBeGreaterThan(0);
  expect((await workerPods(e)).length).toBe(1);
  await waitFor(async () => (await jobSecrets(e)).length === 0, 'the job Secret removed');
  expect(e.logger.text()).toContain('following the worker pod of a job an earlier AGC claimed');
}, 40_000);

it('creates the pod of a job the earlier AGC staged but stopped before creating', async () => {
  const e = await start();
  // Every pod create is refused as over quota: the job is claimed and staged, its pod waits for room.
  const refusal = e.kube.faults.inject({ verb: 'create', resource: 'pods', error: 403, message: 'pods "x" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1' });
  const first = await e.startListener({ spec: { maxListeners: 1, quotaRetryDelay: '1s', maxQuotaRetries: 20 }, timings });
  const job = e.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 3_000 });
  await waitFor(async () => (await jobSecrets(e)).length === 1 && refusal.hits > 0, 'the job staged and its pod refused', 15_000);
  await first.listener.stop('shutdown');
  expect(await jobSecrets(e)).toHaveLength(1); // kept for the next AGC (was deleted: the job was lost)
  expect(await workerPods(e)).toHaveLength(0);
  refusal.remove();

  await e.startListener({ reuse: true, spec: { maxListeners: 1 }, timings });
  await waitFor(() => e.fake.control.job(job.requestId)?.state === 'completed', 'the job concluded', 20_000);
  expect(e.fake.control.job(job.requestId)).toMatchObject({ conclusion: 'succeeded', timesAcquired: 1 });
  expect(await workerPods(e)).toHaveLength(1);
  expect(e.logger.text()).toContain('creating the worker pod of a job an earlier AGC staged');
}, 40_000);

it('removes the Secret of a staged job that ended meanwhile, and runs no pod for it', async () => {
  const e = await start(3_000); // the cancelled job ends when its lock lapses (no worker reports it)
  const refusal = e.kube.faults.inject({ verb: 'create', resource: 'pods', error: 403, message: 'pods "x" is forbidden: exceeded quota: compute' });
  const first = await e.startListener({ spec: { maxListeners: 1, quotaRetryDelay: '1s', maxQuotaRetries: 20 }, timings });
  const job = e.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 3_000 });
  await waitFor(async () => (await jobSecrets(e)).length === 1 && refusal.hits > 0, 'the job staged and its pod refused', 15_000);
  await first.listener.stop('shutdown');
  // The user cancels the run while no AGC runs: GitHub ends the job.
  e.fake.control.cancelRun(job.runId);
  await waitFor(() => ['completed', 'cancelled'].includes(e.fake.control.job(job.requestId)?.state ?? ''), 'the job ended at GitHub');
  refusal.remove();

  await e.startListener({ reuse: true, spec: { maxListeners: 1 }, timings });
  await waitFor(async () => (await jobSecrets(e)).length === 0, 'the ended job\'s Secret removed', 15_000);
  expect(await workerPods(e)).toHaveLength(0);
  expect(e.fake.control.job(job.requestId)?.timesAcquired).toBe(1);
}, 40_000);
