import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Informer, type KubeObject } from '../../src/index.js';
import { startScriptedServer, waitFor, type ScriptedServer } from '../support/scripted-watch-server.js';

type ConfigMap = KubeObject & { data?: Record<string, string> };

let server: ScriptedServer;
let informer: Informer<ConfigMap> | undefined;
beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  await server.close();
});

function start(opts: Partial<ConstructorParameters<typeof Informer<ConfigMap>>[0]> = {}): { events: string[]; inf: Informer<ConfigMap> } {
  const events: string[] = [];
  const inf = new Informer<ConfigMap>({
    kubeConfig: server.kubeConfig,
    path: '/api/v1/configmaps',
    backoff: { initialMs: 20, maxMs: 200 },
    idleTimeoutMs: 5000,
    indexers: { byData: (cm) => Object.values(cm.data ?? {}) },
    ...opts,
  });
  inf.addHandlers({
    add: (o) => events.push(`add ${o.metadata?.name}`),
    update: (_p, o) => events.push(`update ${o.metadata?.name}`),
    delete: (o) => events.push(`delete ${o.metadata?.name}`),
  });
  inf.start();
  informer = inf;
  return { events, inf };
}

describe('Informer', () => {
  it('lists, then watches from the list resourceVersion: add, update, delete, indexes', async () => {
    server.put('a', { v: '1' });
    const { events, inf } = start();
    await inf.waitForSync();
    expect(inf.hasSynced()).toBe(true);
    server.put('b', { v: '2' });
    server.put('a', { v: '2' });
    server.remove('b');
    await waitFor(() => events.length === 4, 3000, 'events');
    expect(events).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(inf.store.get('ns/a')?.data).toEqual({ v: '2' });
    expect(inf.store.byIndex('byData', '2').map((o) => o.metadata?.name)).toEqual(['a']);
    expect(inf.isFresh()).toBe(true);
  });

  it('caches what transform returns (e.g. metadata only)', async () => {
    server.put('secret-like', { token: 'x' });
    const { inf } = start({ transform: (o) => ({ metadata: o.metadata }) });
    await inf.waitForSync();
    const cached = inf.store.get('ns/secret-like');
    expect(Object.keys(cached ?? {})).toEqual(['metadata']);
    expect(cached?.metadata?.name).toBe('secret-like');
  });

  it('re-lists after a 410 delivered in-stream and converges on changes made meanwhile', async () => {
    server.watchModes.push('gone-in-stream');
    const { inf } = start();
    await inf.waitForSync();
    server.put('late', { v: 'x' });
    await waitFor(() => inf.stats.expired === 1 && inf.store.get('ns/late') !== undefined, 3000, 'relist after 410');
    expect(server.counts.lists).toBeGreaterThanOrEqual(2);
  });

  it('re-lists after a 410 delivered as the HTTP status', async () => {
    server.watchModes.push('gone-status');
    const { inf } = start();
    await waitFor(() => inf.stats.expired === 1 && server.counts.lists >= 2, 3000, 'relist after HTTP 410');
  });

  it('notices a watch that hangs before its headers and re-lists', async () => {
    server.watchModes.push('hang-before-headers');
    const { inf } = start({ idleTimeoutMs: 200 });
    await inf.waitForSync();
    server.put('after-hang');
    await waitFor(() => inf.stats.idleTimeouts >= 1 && inf.store.get('ns/after-hang') !== undefined, 3000, 'watchdog');
    expect(server.counts.lists).toBeGreaterThanOrEqual(2);
  });

  it('notices a watch that goes silent after its headers and re-lists', async () => {
    server.watchModes.push('silent-after-headers');
    const { inf } = start({ idleTimeoutMs: 200 });
    await inf.waitForSync();
    server.put('after-silence');
    await waitFor(() => inf.stats.idleTimeouts >= 1 && inf.store.get('ns/after-silence') !== undefined, 3000, 'watchdog');
  });

  it('backs off and re-lists after a cut connection', async () => {
    server.watchModes.push('cut', 'cut');
    const { inf } = start();
    await inf.waitForSync();
    server.put('after-cut');
    await waitFor(() => inf.stats.failures >= 2 && server.counts.lists >= 3, 3000, 'recovery from cut');
    expect(inf.store.get('ns/after-cut')).toBeDefined();
  });

  it('honours Retry-After on a 429 list', async () => {
    server.listModes.push('too-many-requests');
    const started = Date.now();
    const { inf } = start();
    await inf.waitForSync();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(inf.stats.failures).toBe(1);
  });

  it('re-lists on its timer even when the watch is healthy', async () => {
    const { inf } = start({ relistPeriodMs: 150 });
    await waitFor(() => server.counts.lists >= 3, 3000, 'periodic relists');
    expect(inf.stats.idleTimeouts).toBe(0);
  });

  it('stays stopped: stop() aborts the watch and nothing revives it', async () => {
    const { inf } = start({ relistPeriodMs: 50, idleTimeoutMs: 50 });
    await inf.waitForSync();
    await inf.stop();
    const before = { ...server.counts };
    await new Promise((r) => setTimeout(r, 300));
    expect(server.counts).toEqual(before);
    expect(inf.isFresh()).toBe(false);
    inf.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(server.counts).toEqual(before);
  });
});
