// Fault injection per route and verb, and the HTTPS flavour of the server.
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer, FaultRule } from '../../src/index.js';
import { CHAOS_FAULT_MIX, Faults, startApiServer, withFaultWindow } from '../../src/index.js';
import { until } from './kubectl.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('fault injection', () => {
  it('injects Status errors by verb and resource, with a count, and 429 carries Retry-After', async () => {
    server = await startApiServer({ kubelet: false });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    const fault = s.faults.inject({ verb: 'create', resource: 'configmaps', error: 500, count: 2 });
    for (let i = 0; i < 2; i++) {
      await expect(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } })).rejects.toMatchObject({ code: 500 });
    }
    expect(fault.hits).toBe(2);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } });
    // Other verbs and resources are untouched.
    s.faults.inject({ verb: 'list', resource: 'secrets', error: 429, retryAfterSeconds: 7 });
    await core.listNamespacedConfigMap({ namespace: 'default' });
    const res = await fetch(`${s.url}/api/v1/namespaces/default/secrets`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 7 } });
    s.faults.clear();
    expect((await fetch(`${s.url}/api/v1/namespaces/default/secrets`)).status).toBe(200);
    const conflict = s.faults.inject({ verb: 'update', error: 409, count: 1 });
    const cm = await core.readNamespacedConfigMap({ name: 'x', namespace: 'default' });
    await expect(core.replaceNamespacedConfigMap({ name: 'x', namespace: 'default', body: cm })).rejects.toMatchObject({ code: 409 });
    expect(conflict.hits).toBe(1);
  });

  it('adds latency, and a hung request never answers until the client gives up', async () => {
    server = await startApiServer({ kubelet: false });
    const s = server;
    s.faults.inject({ verb: 'get', resource: 'namespaces', latencyMs: 150, count: 1 });
    const t0 = Date.now();
    expect((await fetch(`${s.url}/api/v1/namespaces/default`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    s.faults.inject({ verb: 'get', resource: 'namespaces', hang: true, count: 1 });
    await expect(fetch(`${s.url}/api/v1/namespaces/default`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect((await fetch(`${s.url}/api/v1/namespaces/default`)).status).toBe(200);
  });

  it('cuts a watch after N events, or hangs it silently', async () => {
    server = await startApiServer({ kubelet: false });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    for (const n of ['a', 'b', 'c']) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: n } } });
    s.faults.inject({ verb: 'watch', resource: 'configmaps', watch: 'cut', cutAfterEvents: 2, count: 1 });
    const seen: string[] = [];
    const ended = new Promise<unknown>((resolve) => {
      void new Watch(s.kubeConfig).watch('/api/v1/namespaces/default/configmaps', {}, (_t, o: { metadata: { name: string } }) => seen.push(o.metadata.name), resolve);
    });
    const err = await ended;
    expect(seen).toEqual(['a', 'b']);
    expect(err).toBeTruthy();

    s.faults.inject({ verb: 'watch', resource: 'configmaps', watch: 'hang', count: 1 });
    const hung: string[] = [];
    let abort: AbortController | undefined;
    void new Watch(s.kubeConfig).watch('/api/v1/namespaces/default/configmaps', {}, (_t, o: { metadata: { name: string } }) => hung.push(o.metadata.name), () => undefined).then((c) => (abort = c));
    await until(() => abort !== undefined, 'watch connected');
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'd' } } });
    await new Promise((r) => setTimeout(r, 100));
    expect(hung).toEqual([]);
    abort!.abort();
  });
});

describe('a fault window', () => {
  it('holds its rules and cuts open watches until its end, then lifts them and counts hits and cuts', async () => {
    server = await startApiServer({ kubelet: false });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    let ended = 0;
    const started = Date.now();
    const result = await withFaultWindow(s.faults, { durationMs: 300, cutEveryMs: 40, rules: [{ verb: 'list', resource: 'secrets', error: 500 }] }, async (endsAt) => {
      expect(endsAt).toBeGreaterThanOrEqual(started + 300);
      await expect(core.listNamespacedSecret({ namespace: 'default' })).rejects.toMatchObject({ code: 500 });
      await new Promise<void>((resolve) => {
        void new Watch(s.kubeConfig).watch('/api/v1/namespaces/default/configmaps', {}, () => undefined, () => {
          ended++;
          resolve();
        });
      });
    });
    // The window lasted its whole length even though the workload ended early.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(result.injected).toBe(1);
    expect(result.cuts).toBeGreaterThan(0);
    expect(ended).toBe(1);
    expect((await core.listNamespacedSecret({ namespace: 'default' })).items).toEqual([]);
  });

  it('holds the chaos mix by default, and lifts it when the workload throws', async () => {
    // A random source that always hits: every rule whose matchers fit fires.
    const faults = new Faults(() => 0);
    const update = { verb: 'update', resource: 'configmaps', path: '/api/v1/namespaces/default/configmaps/x' } as const;
    const watch = { verb: 'watch', resource: 'pods', path: '/api/v1/pods' } as const;
    const held: (FaultRule | undefined)[] = [];
    const failing = withFaultWindow(faults, { durationMs: 0, cutEveryMs: 1_000 }, () => {
      held.push(faults.match(update), faults.match(watch));
      return Promise.reject(new Error('workload broke'));
    });
    await expect(failing).rejects.toThrow('workload broke');
    expect(held).toEqual([CHAOS_FAULT_MIX[0], CHAOS_FAULT_MIX[0]]);
    expect(faults.match(update)).toBeUndefined();
    expect(faults.match(watch)).toBeUndefined();
  });

  it('refuses a plan without a positive cut period, naming the fields', async () => {
    server = await startApiServer({ kubelet: false });
    await expect(withFaultWindow(server.faults, { durationMs: 100, cutEveryMs: 0 }, () => Promise.resolve())).rejects.toThrow(/cutEveryMs/);
  });
});

describe('HTTPS', () => {
  it('serves HTTPS with a CA the kubeConfig trusts, and refuses requests without the bearer token', async () => {
    server = await startApiServer({ https: true, kubelet: false });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.kubeconfigYaml).toContain('certificate-authority-data');
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    const ns = await core.readNamespace({ name: 'default' });
    expect(ns.status?.phase).toBe('Active');
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      request(`${server!.url}/api/v1/namespaces`, { ca: server!.caPem }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(401);
  });
});
