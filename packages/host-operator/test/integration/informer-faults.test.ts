// The informer against the testkit API server over real HTTP, with the server's own fault injection.
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Informer, type KubeObject } from '../../src/index.js';
import { waitFor } from '../support/scripted-watch-server.js';

let server: ApiServer;
let core: CoreV1Api;
let informer: Informer<KubeObject> | undefined;

beforeEach(async () => {
  server = await startApiServer({ kubelet: false, controllers: false });
  core = server.kubeConfig.makeApiClient(CoreV1Api);
});
afterEach(async () => {
  await informer?.stop();
  await server.close();
});

const put = (name: string): Promise<unknown> => core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name }, data: { a: '1' } } });

function start(idleTimeoutMs: number): Informer<KubeObject> {
  informer = new Informer<KubeObject>({
    kubeConfig: server.kubeConfig,
    path: '/api/v1/namespaces/default/configmaps',
    idleTimeoutMs,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  informer.start();
  return informer;
}

describe('Informer against the testkit API server', () => {
  it('keeps its cache in step through list and watch', async () => {
    await put('before');
    const inf = start(5000);
    await inf.waitForSync();
    await put('after');
    await waitFor(() => inf.store.get('default/after') !== undefined, 5000, 'watched add');
    expect(inf.store.keys().sort()).toEqual(['default/after', 'default/before']);
  });

  it('notices a watch the server hangs (headers, then nothing) and re-lists', async () => {
    const fault = server.faults.inject({ verb: 'watch', resource: 'configmaps', watch: 'hang', count: 1 });
    const inf = start(400);
    await inf.waitForSync();
    await put('during-hang');
    await waitFor(() => inf.store.get('default/during-hang') !== undefined, 5000, 'convergence after a hung watch');
    expect(fault.hits).toBe(1);
    expect(inf.stats.idleTimeouts).toBeGreaterThanOrEqual(1);
    expect(inf.stats.lists).toBeGreaterThanOrEqual(2);
  });

  it('notices a watch the server cuts and re-lists', async () => {
    const fault = server.faults.inject({ verb: 'watch', resource: 'configmaps', watch: 'cut', count: 2 });
    const inf = start(5000);
    await inf.waitForSync();
    await put('during-cut');
    await waitFor(() => fault.hits === 2 && inf.store.get('default/during-cut') !== undefined && inf.stats.lists >= 2, 5000, 'convergence after cuts');
  });

  it('notices a watch request that never gets an answer and re-lists', async () => {
    const fault = server.faults.inject({ verb: 'watch', resource: 'configmaps', hang: true, count: 1 });
    const inf = start(400);
    await inf.waitForSync();
    await put('during-no-answer');
    await waitFor(() => inf.store.get('default/during-no-answer') !== undefined, 5000, 'convergence after an unanswered watch');
    expect(fault.hits).toBe(1);
  });

  it('backs off on 429 from list, honouring Retry-After, then syncs', async () => {
    server.faults.inject({ verb: 'list', resource: 'configmaps', error: 429, retryAfterSeconds: 1, count: 1 });
    const started = Date.now();
    const inf = start(5000);
    await inf.waitForSync();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(inf.stats.failures).toBe(1);
  });

  it('stays stopped', async () => {
    const inf = start(100);
    await inf.waitForSync();
    await inf.stop();
    const lists = inf.stats.lists;
    const watches = inf.stats.watches;
    await new Promise((r) => setTimeout(r, 400));
    expect([inf.stats.lists, inf.stats.watches]).toEqual([lists, watches]);
  });
});
