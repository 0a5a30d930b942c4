// The real worker wrapper (from source) in the kubelet's local-process mode, running the stand-in as its
// Runner.Worker: the job Secret and the CA are materialised files, the fake GitHub speaks HTTPS with its own CA,
// which the pod trusts only through PROXY_CA_CERT_PATH (the wrapper's SSL_CERT_FILE / NODE_EXTRA_CA_CERTS).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { programArgv, writeLauncher } from '../../src/sandbox/bins.js';
import { acquireNext, phaseOf, rig, until, workerPod, type Rig } from './support.js';

let r: Rig | undefined;
let dir: string | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the stand-in behind the real worker wrapper (local-process mode)', () => {
  it('completes the scripted job over HTTPS, trusting the CA the wrapper hands over; exit code → pod phase', async () => {
    dir = mkdtempSync(join(tmpdir(), 'stand-in-wrapper-'));
    const worker = writeLauncher(join(dir, 'bin', 'Runner.Worker'), 'stand-in-runner', 'source');
    r = await rig(
      { localProcess: () => true, local: { root: join(dir, 'pods'), overrideCommand: () => programArgv('worker-wrapper', 'source') } },
      { https: true },
    );
    const ca = r.github.caPem!;
    await r.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'proxy-ca' }, stringData: { 'tls.crt': ca } } });
    const container = {
      env: [
        { name: 'RUNNER_WORKER_PATH', value: worker },
        { name: 'RUNNER_HOME_DIR', value: '/home/runner' },
        { name: 'PROXY_CA_CERT_PATH', value: '/etc/actions-gateway/proxy-ca/tls.crt' },
        { name: 'WORKER_GRACE_SECONDS', value: '5' },
      ],
      volumeMounts: [{ name: 'home', mountPath: '/home/runner' }, { name: 'proxy-ca', mountPath: '/etc/actions-gateway/proxy-ca', readOnly: true }],
    };
    const pod = (name: string, secret: string) => {
      const p = workerPod(name, secret, container);
      p.spec!.volumes!.push({ name: 'proxy-ca', secret: { secretName: 'proxy-ca', items: [{ key: 'tls.crt', path: 'tls.crt' }] } });
      return p;
    };
    const trusting = new Agent({ connect: { ca } });
    const good = r.github.control.enqueueJob({ org: 'acme', labels: ['self-hosted'], durationMs: 100, conclusion: 'succeeded' });
    const bad = r.github.control.enqueueJob({ org: 'acme', labels: ['self-hosted'], durationMs: 0, conclusion: 'failed' });
    const names: Record<string, string> = {};
    for (const name of ['one', 'two']) {
      const job = await acquireNext(r.github, ['self-hosted'], trusting);
      names[job.planId] = `worker-${name}`;
      await r.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `job-${name}` }, stringData: { payload: job.messageJson, 'plan-id': job.planId } } });
      await r.core.createNamespacedPod({ namespace: 'default', body: pod(`worker-${name}`, `job-${name}`) });
    }
    const gh = r.github;
    const api = r.api;
    await until(() => [good, bad].every((j) => gh.control.job(j.requestId)?.state === 'completed'), 'both jobs concluded', 30_000);
    expect(gh.control.job(good.requestId)?.conclusion).toBe('succeeded');
    expect(gh.control.job(bad.requestId)?.conclusion).toBe('failed');
    await until(() => Object.values(names).every((n) => ['Succeeded', 'Failed'].includes(phaseOf(api, n) ?? '')), 'pods ended', 30_000);
    expect(phaseOf(api, names[good.planId]!)).toBe('Succeeded');
    expect(phaseOf(api, names[bad.planId]!)).toBe('Failed');
    const logs = r.api.kubelet!.logs('default', names[good.planId]!);
    expect(logs).toContain('"component":"worker-wrapper"');
    expect(logs).toContain('"msg":"job completed"');
    expect(logs).not.toContain('jt_'); // the job token is never logged
    await trusting.close();
  });

  it('relays the pod deletion to the stand-in, which completes the job canceled', async () => {
    dir = mkdtempSync(join(tmpdir(), 'stand-in-wrapper-'));
    const worker = writeLauncher(join(dir, 'bin', 'Runner.Worker'), 'stand-in-runner', 'source');
    r = await rig({ localProcess: () => true, local: { root: join(dir, 'pods'), overrideCommand: () => programArgv('worker-wrapper', 'source') } });
    const long = r.github.control.enqueueJob({ org: 'acme', labels: ['self-hosted'], durationMs: 120_000 });
    const job = await acquireNext(r.github, ['self-hosted']);
    await r.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'job-long' }, stringData: { payload: job.messageJson } } });
    await r.core.createNamespacedPod({
      namespace: 'default',
      body: workerPod('worker-long', 'job-long', { env: [{ name: 'RUNNER_WORKER_PATH', value: worker }, { name: 'RUNNER_HOME_DIR', value: '/home/runner' }], volumeMounts: [{ name: 'home', mountPath: '/home/runner' }] }),
    });
    const api = r.api;
    await until(() => api.kubelet!.logs('default', 'worker-long').includes('job started'), 'stand-in running the job', 30_000);
    await r.core.deleteNamespacedPod({ name: 'worker-long', namespace: 'default' });
    const gh = r.github;
    await until(() => gh.control.job(long.requestId)?.state === 'completed', 'job concluded canceled', 30_000);
    expect(gh.control.job(long.requestId)?.conclusion).toBe('canceled');
    await until(() => phaseOf(api, 'worker-long') === undefined, 'pod removed', 30_000);
  });

  it('a deleted local-process pod leaves no process behind: SIGKILL reaches the whole process group', async () => {
    r = await rig({ localProcess: () => true });
    const script = "const c = require('child_process').spawn('sleep', ['300'], { stdio: 'ignore' }); console.log('grandchild ' + c.pid); setInterval(() => {}, 1000);";
    await r.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'parent' }, spec: { containers: [{ name: 'main', image: 'x', command: [process.execPath, '-e', script] }] } } });
    const api = r.api;
    await until(() => /grandchild \d+/.test(api.kubelet!.logs('default', 'parent')), 'the grandchild started');
    const pid = Number(/grandchild (\d+)/.exec(api.kubelet!.logs('default', 'parent'))![1]);
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    await r.core.deleteNamespacedPod({ name: 'parent', namespace: 'default', gracePeriodSeconds: 0 });
    await until(() => !alive(), 'the grandchild killed with its pod');
  });
});
