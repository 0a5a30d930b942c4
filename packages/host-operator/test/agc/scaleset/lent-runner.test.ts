// A runner of the scale set takes the job another pod was made for (JIT runners are interchangeable). When
// the job whose pod came late was taken by the first job's runner, the first job still needs a runner: the
// late job's pod must still be made, or the first job waits at GitHub for ever.
import { afterEach, expect, it } from 'vitest';
import { createScaleSetListenerTier } from '../../../src/agc/scaleset/factory.js';
import { startScaleSetEnv, waitFor, type ScaleSetEnv } from './scaleset-env.js';

let env: ScaleSetEnv | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && process.env.SCALESET_DEBUG) for (const l of env?.logs ?? []) if (l.level !== 'debug') console.log(l.level, l.msg, JSON.stringify(l.fields).slice(0, 400));
  await env?.close();
  env = undefined;
});

// The worker's logic is the same in both assignment modes (auto here: the default, and the faster one).
it('runs the job whose runner another job\'s late pod would have been, once', async () => {
  env = await startScaleSetEnv();
  const e = env;
  e.start(createScaleSetListenerTier({ kubeConfig: e.server.kubeConfig, conflictRetryMs: 200, errorBackoffMs: 50, startGraceMs: 200 }));
  await waitFor('the scale set', () => e.fake.control.scaleSets().length === 1);
  // The first job's JIT config fails twice: its worker's next try is 5 s away (1 s, then 5 s).
  const jit = e.fake.control.inject({ method: 'POST', path: '/_actions/_apis/runtime/runnerscalesets/*/generatejitconfig', times: 2, action: { status: 502, shape: 'actions' } });
  const late = e.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
  await waitFor('two failed JIT configs', () => e.fake.control.requests().filter((r) => r.fault === jit.id).length === 2, 30_000);
  // The second job's pod comes at once; GitHub hands its runner the oldest job: the late one.
  const second = e.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
  await waitFor('both jobs concluded', () => [late, second].every((j) => e.fake.control.job(j.requestId)?.state === 'completed'), 45_000);
  expect([late, second].map((j) => e.fake.control.job(j.requestId)!.timesAcquired)).toEqual([1, 1]);
  // The late job was indeed taken by the second job's runner (else this test shows nothing).
  const secondRunner = e.fake.control.job(late.requestId)!.acquiredBy?.runnerName ?? '';
  expect(secondRunner.startsWith(`ag-${second.jobId}-`)).toBe(true);
}, 90_000);
