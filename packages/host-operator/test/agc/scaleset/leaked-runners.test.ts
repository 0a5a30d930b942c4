// JIT registrations leaked by a crash between generateJitConfig and the pod: the successor deletes them at
// GitHub on replay (and its periodic sweep would later), gives the job a new runner, and the job runs once.
import { expect, it } from 'vitest';
import { createScaleSetListenerTier } from '../../../src/agc/scaleset/factory.js';
import { listScaleSetRunners, sweepLeakedRunners } from '../../../src/agc/scaleset/runner-sweep.js';
import { NAMESPACE, startScaleSetEnv, waitFor } from './scaleset-env.js';

it('deletes the JIT runner a kill between its registration and its pod leaked; the job still runs once', async () => {
  const env = await startScaleSetEnv({ podQuota: 2, scaleSetSessionIdleMs: 300 });
  try {
    let kill = new AbortController();
    const tier = () => createScaleSetListenerTier({ kubeConfig: env.server.kubeConfig, conflictRetryMs: 100, errorBackoffMs: 50, startGraceMs: 300, runnerSweepMs: 60_000, killSignal: kill.signal });
    // The first pod create never answers: the tier dies with the JIT config made and no pod.
    const hung = env.server.faults.inject({ verb: 'create', resource: 'pods', hang: true, count: 1 });
    env.start(tier());
    await waitFor('the scale set', () => env.fake.control.scaleSets().length === 1);
    const job = env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
    const registered = () => env.fake.control.runners().filter((r) => r.scaleSetId !== null);
    await waitFor('the pod create to hang', () => hung.hits === 1 && registered().length === 1);
    const [leaked] = registered();
    expect(leaked!.name).toMatch(/^ag-[0-9a-f-]{36}-[0-9a-f]{8}$/);
    expect(await env.port.listPods(NAMESPACE, {})).toHaveLength(0);
    kill.abort(new Error('SIGKILL'));
    kill = new AbortController();
    await new Promise((r) => setTimeout(r, 300));
    env.start(tier());
    await waitFor('the job to conclude', () => env.fake.control.job(job.requestId)?.state === 'completed', 30_000);
    expect(env.fake.control.job(job.requestId)).toMatchObject({ conclusion: 'succeeded', timesAcquired: 1 });
    // The leaked runner is deleted at GitHub; the one that ran the job was consumed by it; none is left.
    await waitFor('no registered runner left', () => registered().every((r) => r.state !== 'registered'));
    expect(env.fake.control.runners().find((r) => r.id === leaked!.id)).toMatchObject({ state: 'deleted' });
    expect(registered().filter((r) => r.state === 'consumed')).toHaveLength(1);
    expect(env.logs.some((l) => l.level === 'warn' && /deleted JIT runner registrations/.test(l.msg) && JSON.stringify(l.fields.runners).includes(leaked!.name))).toBe(true);
  } catch (err) {
    if (process.env.SCALESET_DEBUG) console.log(env.logs.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields).slice(0, 300)}`).join('\n'));
    throw err;
  } finally {
    await env.close();
  }
}, 60_000);

it('pages through the runners list: a leaked registration past the first page is found and deleted', async () => {
  const env = await startScaleSetEnv({ podQuota: 2 });
  try {
    const admin = env.app.scaleSets;
    const set = await admin.createScaleSet({ name: 'linux', runnerGroupId: 1, labels: [] });
    // Three registrations that are not this tier's (not `ag-<jobId>-…`), then one a crash leaked: with two
    // runners a page it is on the second page.
    for (let i = 0; i < 3; i++) await admin.generateJitConfig(set.id, `someone-else-${i}`);
    const leaked = await admin.generateJitConfig(set.id, 'ag-0f0f0f0f-0000-4000-8000-0000000000bb');
    env.fake.control.setAgentsPageSize(2);
    const listed = await listScaleSetRunners(admin, set.id);
    expect(listed.map((r) => r.id).sort((a, b) => a - b)).toEqual(env.fake.control.runners().filter((r) => r.scaleSetId === set.id).map((r) => r.id).sort((a, b) => a - b));
    expect(listed).toHaveLength(4);
    const pages = env.fake.control.requests().filter((r) => r.method === 'GET' && r.path.endsWith('/_apis/distributedtask/pools/0/agents'));
    expect(pages).toHaveLength(2);
    const result = await sweepLeakedRunners({ admin, kube: env.port, group: env.context().group.provisioner, scaleSetId: set.id, working: () => false });
    expect(result).toEqual({ deleted: [leaked.name], failed: [] });
    expect(env.fake.control.runners().find((r) => r.id === leaked.runnerId)).toMatchObject({ state: 'deleted' });
    expect(env.fake.control.runners().filter((r) => r.scaleSetId === set.id && r.state === 'registered')).toHaveLength(3);
  } finally {
    await env.close();
  }
}, 60_000);
