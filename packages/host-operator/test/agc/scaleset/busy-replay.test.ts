// Replay after a restart does not wait for the queue to drain: in a busy dotcom queue (a message always
// waiting) a job the predecessor stored but never gave a pod is provisioned at once, after the sweep of the
// JIT registration the crash leaked, and runs once.
import { expect, it } from 'vitest';
import { createScaleSetListenerTier } from '../../../src/agc/scaleset/factory.js';
import { NAMESPACE, startScaleSetEnv, waitFor } from './scaleset-env.js';

it('provisions a stored job that never got a pod without waiting for a busy queue to drain', async () => {
  const env = await startScaleSetEnv({ podQuota: 2, scaleSetSessionIdleMs: 300 });
  const busy = new AbortController();
  try {
    let kill = new AbortController();
    const tier = () => createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 100, errorBackoffMs: 50, startGraceMs: 300, runnerSweepMs: 600_000, killSignal: kill.signal });
    // The first pod create never answers: the tier dies with the job stored, its JIT config made, no pod.
    const hung = env.server.faults.inject({ verb: 'create', resource: 'pods', hang: true, count: 1 });
    env.start(tier());
    await waitFor('the scale set', () => env.fake.control.scaleSets().length === 1);
    const job = env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
    await waitFor('the pod create to hang', () => hung.hits === 1);
    const [leaked] = env.fake.control.runners().filter((r) => r.scaleSetId !== null);
    kill.abort(new Error('SIGKILL'));
    kill = new AbortController();
    await new Promise((r) => setTimeout(r, 300));

    // From now on the queue always holds a message (the poll hold is 200 ms; one arrives every 20 ms).
    const setId = env.fake.control.scaleSets()[0]!.id;
    const pushed = (async () => {
      while (!busy.signal.aborted) {
        env.fake.control.pushScaleSetMessage(setId, { body: '[]' });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const before = env.logs.length;
    const drained = () => env.logs.slice(before).some((l) => l.msg === 'scale-set queue drained; replaying stored jobs');
    env.start(tier());
    await waitFor('the job to conclude', () => env.fake.control.job(job.requestId)?.state === 'completed', 20_000);
    expect(drained()).toBe(false);
    expect(env.fake.control.job(job.requestId)).toMatchObject({ conclusion: 'succeeded', timesAcquired: 1 });
    expect(env.logs.slice(before).find((l) => l.msg === 'replaying stored scale-set jobs')?.fields).toMatchObject({ now: 1, provisions: 1, after_drain: 0 });
    // The crash's registration was deleted before the job got its new runner.
    expect(env.fake.control.runners().find((r) => r.id === leaked!.id)).toMatchObject({ state: 'deleted' });
    expect(env.runners.podsByPlan.size).toBe(1);
    busy.abort();
    await pushed;
    // No extra pod: the job's own may already be cleaned up once it concluded.
    expect((await env.port.listPods(NAMESPACE, {})).length).toBeLessThanOrEqual(1);
  } catch (err) {
    if (process.env.SCALESET_DEBUG) console.log(env.logs.filter((l) => l.level !== 'debug').map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields).slice(0, 300)}`).join('\n'));
    throw err;
  } finally {
    busy.abort();
    await env.close();
  }
}, 60_000);
