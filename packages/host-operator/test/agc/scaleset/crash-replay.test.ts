// Write-ahead replay: the tier is killed mid-run (no session close, no waiting: what SIGKILL leaves) at
// several points, and a new one takes over from the state ConfigMap each time. Every job concludes once at
// GitHub, none is lost, none gets two worker pods — in both assignment modes.
import { describe, expect, it } from 'vitest';
import { createScaleSetListenerTier } from '../../../src/agc/scaleset/factory.js';
import { scaleSetStateName } from '../../../src/agc/scaleset/state-store.js';
import { NAMESPACE, startScaleSetEnv, waitFor } from './scaleset-env.js';

describe.each(['auto', 'acquire'] as const)('crash and replay in %s mode', (mode) => {
  it('kills the tier three times across 24 jobs: each job concludes exactly once, on one pod', async () => {
    const env = await startScaleSetEnv({ podQuota: 4, scaleSetSessionIdleMs: 300 });
    try {
      env.fake.control.setScaleSetMode(mode);
      // A slow state write widens the window in which a pod ends while a queue message's effect is being
      // stored: a change computed from a stale view of the jobs once stored an older record over a newer one.
      env.server.faults.inject({ verb: 'patch', resource: 'configmaps', latencyMs: 40 });
      const total = 24;
      const concluded = () => env.fake.control.jobs().filter((j) => j.state === 'completed').length;
      const killAt = [3, 9, 16];
      let kill = new AbortController();
      const startProcess = () => env.start(createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 100, errorBackoffMs: 50, startGraceMs: 300, killSignal: kill.signal }));
      startProcess();
      await waitFor('the scale set', () => env.fake.control.scaleSets().length === 1);
      for (let i = 0; i < total; i++) env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
      for (const at of killAt) {
        await waitFor(`${at} conclusions`, () => concluded() >= at, 60_000);
        kill.abort(new Error('SIGKILL'));
        kill = new AbortController();
        // A successor starts after its predecessor's last request has landed (a killed process sends nothing
        // more; a new pod takes seconds). In-process, calls already on the wire are still in flight here.
        await new Promise((r) => setTimeout(r, 300));
        startProcess();
      }
      await waitFor(`${total} conclusions`, () => concluded() === total, 90_000);
      // Let any stray work show itself before counting.
      await new Promise((r) => setTimeout(r, 1_000));
      for (const job of env.fake.control.jobs()) expect(job).toMatchObject({ state: 'completed', conclusion: 'succeeded', timesAcquired: 1 });
      expect(env.fake.control.jobs()).toHaveLength(total);
      for (const [plan, uids] of env.runners.podsByPlan) expect(uids.size, `pods of ${plan}`).toBe(1);
      expect(env.runners.podsByPlan.size).toBeGreaterThanOrEqual(total);
      // Nothing stays behind in the state once every pod is done. (A pod created by a killed predecessor's
      // in-flight request can lose its Secret to the successor's retry; its job then gets a new pod, and the
      // extra runner idles until the stand-in gives up — hence the long wait.)
      let left: string[] = [];
      await waitFor('the state to settle', async () => {
        const cm = await env.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
        left = Object.entries(cm.data ?? {}).filter(([k]) => k.startsWith('job.')).map(([, v]) => v);
        return left.length === 0;
      }, 60_000).catch((err: Error) => {
        throw new Error(`${err.message}; left: ${left.join(' ')}`);
      });
      // The successors replayed state: they found jobs in it and followed pods their predecessor made.
      expect(env.logs.filter((l) => l.msg === 'scale-set state loaded').length).toBeGreaterThan(0);
      expect(env.logs.some((l) => l.msg === 'adopted worker pod finished')).toBe(true);
      if (process.env.SCALESET_DEBUG) console.log(env.logs.filter((l) => /loaded|adopted|stale|took another/.test(l.msg)).map((l) => `${l.msg} ${JSON.stringify(l.fields)}`).join('\n'));
    } catch (err) {
      if (process.env.SCALESET_DEBUG) {
        console.log(JSON.stringify(env.fake.control.jobs().filter((j) => j.state !== 'completed').map((j) => [j.jobId, j.state, j.scaleSetState, j.timesAcquired])));
        const cm = await env.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
        console.log(JSON.stringify(cm.data));
        console.log(JSON.stringify((await env.port.listPods(NAMESPACE, {})).map((p) => [p.metadata?.name, p.status?.phase])));
        console.log(env.logs.filter((l) => l.level !== 'debug').map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields).slice(0, 300)}`).join('\n'));
      }
      throw err;
    } finally {
      await env.close();
    }
  }, 240_000);
});
