// Watches through client-node: resume from a resourceVersion, the in-stream 410, bookmarks, and informers surviving cuts.
import { CoordinationV1Api, CoreV1Api, makeInformer, V1MicroTime, Watch, ApiException } from '@kubernetes/client-node';
import type { V1ConfigMap, V1Lease } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/index.js';
import { startApiServer } from '../../src/index.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function watchEvents(s: ApiServer, path: string, query: Record<string, string | number | boolean | undefined>): { events: { type: string; obj: Record<string, unknown> }[]; done: Promise<unknown>; stop: () => void } {
  const events: { type: string; obj: Record<string, unknown> }[] = [];
  let stop = (): void => undefined;
  const done = new Promise((resolve) => {
    void new Watch(s.kubeConfig)
      .watch(path, query, (type, obj: Record<string, unknown>) => events.push({ type, obj }), resolve)
      .then((c) => (stop = () => c.abort()));
  });
  return { events, done, stop: () => stop() };
}

describe('watch', () => {
  it('replays history after a resourceVersion, then streams; bookmarks carry the current version', async () => {
    server = await startApiServer({ bookmarkIntervalMs: 20 });
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
    const w = watchEvents(server, '/api/v1/namespaces/default/configmaps', { resourceVersion: a.metadata!.resourceVersion, allowWatchBookmarks: true });
    await until(() => w.events.some((e) => e.type === 'ADDED'), 'replayed event');
    expect(w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => [e.type, (e.obj.metadata as { name: string }).name])).toEqual([['ADDED', 'b']]);
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    await until(() => w.events.some((e) => e.type === 'DELETED'), 'delete event');
    await until(() => w.events.some((e) => e.type === 'BOOKMARK'), 'bookmark');
    const bm = w.events.find((e) => e.type === 'BOOKMARK')!;
    expect(bm.obj).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    w.stop();
  });

  it('sends an in-stream 410 Expired once the version has left the bounded history, and ends at timeoutSeconds', async () => {
    server = await startApiServer({ watchHistory: 3 });
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    const first = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c0' } } });
    for (let i = 1; i < 6; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `c${i}` } } });
    const w = watchEvents(server, '/api/v1/namespaces/default/configmaps', { resourceVersion: first.metadata!.resourceVersion });
    await w.done;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', obj: { kind: 'Status', code: 410, reason: 'Expired' } });
    expect(String(w.events[0]!.obj.message)).toMatch(/^too old resource version: \d+ \(\d+\)$/);

    const t = watchEvents(server, '/api/v1/namespaces/default/configmaps', { resourceVersion: String(server.store.resourceVersion), timeoutSeconds: 1 });
    await t.done;
    expect(t.events).toEqual([]);
  });

  it('keeps an informer in step through a 410 and a cut watch', async () => {
    server = await startApiServer({ watchHistory: 5 });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(s.kubeConfig, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    const names = (): string[] => informer.list('default').map((c) => c.metadata!.name!).sort();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'one' } } });
    await until(() => names().includes('one'), 'informer add');

    // A clean end of the stream: the informer re-watches from its last resourceVersion and misses nothing.
    await until(() => s.faults.cutWatches() > 0, 'a live watch to cut');
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'two' } } });
    await until(() => names().includes('two'), 'event after cut');

    // An abrupt cut: client-node 1.4 reports an error and stops; restarting it catches up.
    await until(() => s.faults.cutWatches({ abrupt: true }) > 0, 'a live watch to sever');
    await until(() => errors.length === 1, 'informer error');
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'three' } } });
    await informer.start();
    await until(() => names().includes('three'), 'event after restart');
    errors.length = 0;

    // 410: hold the informer's next watch while more than the history's worth of changes happen.
    const hold = s.faults.inject({ verb: 'watch', latencyMs: 300, count: 1 });
    s.faults.cutWatches();
    for (let i = 0; i < 8; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `bulk-${i}` } } });
    await until(() => names().length === 11, 'relist after 410', 8000);
    expect(hold.hits).toBe(1);
    expect(errors).toEqual([]);
    await informer.stop();
  });
});

describe('Lease-based leader election', () => {
  it('hands leadership over through optimistic concurrency on the Lease', async () => {
    server = await startApiServer();
    const leases = server.kubeConfig.makeApiClient(CoordinationV1Api);
    const ns = 'kube-system';
    const tryAcquire = async (id: string): Promise<boolean> => {
      let current: V1Lease | undefined;
      try {
        current = await leases.readNamespacedLease({ name: 'leader', namespace: ns });
      } catch (e) {
        if (!(e instanceof ApiException) || e.code !== 404) throw e;
      }
      const spec = { holderIdentity: id, leaseDurationSeconds: 15, acquireTime: new V1MicroTime(), renewTime: new V1MicroTime(), leaseTransitions: (current?.spec?.leaseTransitions ?? 0) + 1 };
      try {
        if (!current) await leases.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'leader' }, spec } });
        else {
          if (current.spec?.holderIdentity && current.spec.holderIdentity !== id) return false;
          await leases.replaceNamespacedLease({ name: 'leader', namespace: ns, body: { ...current, spec } });
        }
        return true;
      } catch (e) {
        if (e instanceof ApiException && e.code === 409) return false;
        throw e;
      }
    };
    expect(await tryAcquire('a')).toBe(true);
    expect(await tryAcquire('b')).toBe(false);
    // b races a with a stale read: the server's optimistic concurrency refuses it.
    const stale = await leases.readNamespacedLease({ name: 'leader', namespace: ns });
    await leases.replaceNamespacedLease({ name: 'leader', namespace: ns, body: { ...stale, spec: { ...stale.spec, renewTime: new V1MicroTime() } } });
    await expect(leases.replaceNamespacedLease({ name: 'leader', namespace: ns, body: { ...stale, spec: { ...stale.spec, holderIdentity: 'b' } } })).rejects.toMatchObject({ code: 409 });
    // a releases; b takes over and the transition count goes up.
    const held = await leases.readNamespacedLease({ name: 'leader', namespace: ns });
    await leases.replaceNamespacedLease({ name: 'leader', namespace: ns, body: { ...held, spec: { ...held.spec, holderIdentity: '' } } });
    expect(await tryAcquire('b')).toBe(true);
    const final = await leases.readNamespacedLease({ name: 'leader', namespace: ns });
    expect(final.spec?.holderIdentity).toBe('b');
    expect(final.spec?.leaseTransitions).toBe(2);
  });
});

describe('watch with a label selector', () => {
  it('reports an object entering the selector as ADDED and leaving it as DELETED', async () => {
    server = await startApiServer({ kubelet: false });
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    const w = watchEvents(server, '/api/v1/namespaces/default/configmaps', { labelSelector: 'app=x', resourceVersion: String(server.store.resourceVersion) });
    await new Promise((r) => setTimeout(r, 50));
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'm', labels: { app: 'y' } } } });
    const patch = async (app: string, data: string): Promise<void> => {
      const cm = await core.readNamespacedConfigMap({ name: 'm', namespace: 'default' });
      await core.replaceNamespacedConfigMap({ name: 'm', namespace: 'default', body: { ...cm, metadata: { ...cm.metadata, labels: { app } }, data: { d: data } } });
    };
    await patch('x', '1');
    await patch('x', '2');
    await patch('z', '3');
    await until(() => w.events.length === 3, 'three events');
    expect(w.events.map((e) => [e.type, (e.obj.data as { d: string }).d])).toEqual([['ADDED', '1'], ['MODIFIED', '2'], ['DELETED', '3']]);
    w.stop();
  });
});
