// createKubernetesPort against the testkit's real API server and kubelet simulator, over HTTP.
import { isConflict, isQuotaExceeded, KubernetesApiError } from '@actions-gateway/core';
import { EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WORKER_POD_SELECTOR, createKubernetesPort, type ClosableKubernetesPort } from '../../../src/agc/ports/kubernetes-port.js';
import { Informer } from '../../../src/runtime/informer.js';
import type { KubeObject } from '../../../src/runtime/object.js';
import { pod, startKubeEnv, type KubeEnv } from './kube-env.js';

let env: KubeEnv;
let port: ClosableKubernetesPort;
const ns = 'ci';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

beforeEach(async () => {
  env = await startKubeEnv(ns);
  port = createKubernetesPort({ kubeConfig: env.server.kubeConfig, namespace: ns });
});
afterEach(async () => {
  await port.close();
  await env.server.close();
});

describe('secrets', () => {
  it('creates, reads, refuses a duplicate with a conflict, and deletes idempotently', async () => {
    await port.createSecret(ns, { metadata: { name: 'job-1' }, data: { payload: Buffer.from('{}').toString('base64') } });
    expect((await port.getSecret(ns, 'job-1'))?.data?.payload).toBe(Buffer.from('{}').toString('base64'));
    const dup = await port.createSecret(ns, { metadata: { name: 'job-1' } }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(KubernetesApiError);
    expect(isConflict(dup)).toBe(true);
    await port.deleteSecret(ns, 'job-1');
    await port.deleteSecret(ns, 'job-1'); // NotFound is success
    expect(await port.getSecret(ns, 'job-1')).toBeUndefined();
  });
});

describe('pods', () => {
  it('surfaces the ResourceQuota refusal as isQuotaExceeded, with the API server message', async () => {
    await env.core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'q' }, spec: { hard: { pods: '1' } } } });
    await port.createPod(ns, pod('w-1'));
    const refused = await port.createPod(ns, pod('w-2')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ statusCode: 403, message: expect.stringContaining('exceeded quota: q') as unknown });
    expect(isQuotaExceeded(refused)).toBe(true);
    const quotas = await port.listResourceQuotas(ns);
    expect(quotas.map((q) => q.spec?.hard)).toEqual([{ pods: '1' }]);
  });

  it('lists LimitRanges', async () => {
    await env.core.createNamespacedLimitRange({ namespace: ns, body: { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', _default: { cpu: '500m' } }] } } });
    const ranges = await port.listLimitRanges(ns);
    expect(ranges.map((r) => r.spec?.limits[0]?.type)).toEqual(['Container']);
    expect(ranges[0]?.spec?.limits[0]).toMatchObject({ default: { cpu: '500m' } });
  });

  it('gets, lists by labels, annotates (merge) and deletes with a uid precondition', async () => {
    const created = await port.createPod(ns, pod('w-a', { group: 'a' }));
    await port.createPod(ns, pod('w-b', { group: 'b' }));
    expect((await port.listPods(ns, { group: 'a' })).map((p) => p.metadata?.name)).toEqual(['w-a']);
    expect((await port.listPods(ns, { 'app.kubernetes.io/managed-by': 'actions-gateway-controller' })).length).toBe(2);
    await port.annotatePod(ns, 'w-a', { 'x/one': '1' });
    await port.annotatePod(ns, 'w-a', { 'x/two': '2' });
    expect((await port.getPod(ns, 'w-a'))?.metadata?.annotations).toMatchObject({ 'x/one': '1', 'x/two': '2' });
    const stale = await port.deletePod(ns, 'w-a', { uid: 'not-the-uid' }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect(await port.getPod(ns, 'w-a')).toBeDefined();
    await port.deletePod(ns, 'w-a', { uid: created.metadata?.uid ?? '', gracePeriodSeconds: 0 });
    expect(await port.getPod(ns, 'w-a')).toBeUndefined();
    await port.deletePod(ns, 'w-a'); // NotFound is success
    await expect(port.annotatePod(ns, 'w-a', { a: 'b' })).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('waitForPod', () => {
  it('sees Pending → Running → Succeeded from the kubelet simulator', async () => {
    env.server.kubelet!.script({ name: 'w-run' }, { phase: 'Succeeded', afterMs: 5_000 });
    await port.createPod(ns, pod('w-run'));
    const phases: string[] = [];
    const done = port.waitForPod(ns, 'w-run', (p) => {
      const phase = p?.status?.phase ?? 'absent';
      if (phases.at(-1) !== phase) phases.push(phase);
      return phase === 'Succeeded';
    }, new AbortController().signal);
    await vi.waitFor(() => expect(phases).toEqual(['Pending']));
    env.clock.advance(1_000);
    await vi.waitFor(() => expect(phases).toContain('Running'));
    env.clock.advance(5_000);
    const final = await done;
    expect(final?.status?.phase).toBe('Succeeded');
    expect(phases).toEqual(['Pending', 'Running', 'Succeeded']);
  });

  it('reports the deletionTimestamp update before the pod disappears', async () => {
    await port.createPod(ns, pod('w-del', {}, { finalizers: ['test.actions-gateway/hold'] }));
    const seen: string[] = [];
    const signal = new AbortController().signal;
    const gone = port.waitForPod(ns, 'w-del', (p) => {
      const state = p === undefined ? 'gone' : p.metadata?.deletionTimestamp !== undefined ? 'terminating' : 'live';
      if (seen.at(-1) !== state) seen.push(state);
      return p === undefined;
    }, signal);
    const terminating = port.waitForPod(ns, 'w-del', (p) => p?.metadata?.deletionTimestamp !== undefined, signal);
    await port.deletePod(ns, 'w-del', { gracePeriodSeconds: 30 });
    expect((await terminating)?.metadata?.name).toBe('w-del');
    expect(await port.getPod(ns, 'w-del')).toBeDefined(); // the finalizer holds it
    await env.core.patchNamespacedPod({ namespace: ns, name: 'w-del', body: { metadata: { finalizers: null } } }, mergePatch);
    expect(await gone).toBeUndefined();
    expect(seen).toEqual(['live', 'terminating', 'gone']);
  });

  it('resolves at once with undefined for a pod that is not there, and rejects with the abort reason', async () => {
    expect(await port.waitForPod(ns, 'never', (p) => p === undefined, new AbortController().signal)).toBeUndefined();
    const ctl = new AbortController();
    const waiting = port.waitForPod(ns, 'never', (p) => p !== undefined, ctl.signal);
    ctl.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    await expect(port.waitForPod('other', 'x', () => true, new AbortController().signal)).rejects.toThrow(/not this port's namespace/);
  });

  it('never reports a just-created pod as absent while the cache has not seen it yet', async () => {
    await port.waitForPod(ns, 'warm-up', () => true, new AbortController().signal); // the informer is synced
    for (let i = 0; i < 5; i++) {
      await port.createPod(ns, pod(`w-fresh-${i}`));
      const first = await port.waitForPod(ns, `w-fresh-${i}`, () => true, new AbortController().signal);
      expect(first?.metadata?.name).toBe(`w-fresh-${i}`);
    }
  });

  it('honours the abort while the pod cache cannot sync', async () => {
    const fault = env.server.faults.inject({ verb: 'list', resource: 'pods', error: 500 });
    const ctl = new AbortController();
    const waiting = port.waitForPod(ns, 'w-x', () => true, ctl.signal);
    await vi.waitFor(() => expect(fault.hits).toBeGreaterThan(0)); // the informer's list was refused
    ctl.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
  });

  it('waits on a shared informer when given one', async () => {
    const informer = new Informer<KubeObject>({ kubeConfig: env.server.kubeConfig, path: `/api/v1/namespaces/${ns}/pods`, labelSelector: WORKER_POD_SELECTOR });
    informer.start();
    const shared = createKubernetesPort({ kubeConfig: env.server.kubeConfig, namespace: ns, podInformer: informer });
    try {
      env.server.kubelet!.script({ name: 'w-shared' }, { phase: 'Failed', exitCode: 1, afterMs: 0 });
      await shared.createPod(ns, pod('w-shared'));
      const ended = shared.waitForPod(ns, 'w-shared', (p) => p?.status?.phase === 'Failed', new AbortController().signal);
      env.clock.advance(1_000);
      expect((await ended)?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
    } finally {
      await informer.stop();
    }
  });
});

describe('waitForPod across a silent watch', () => {
  it('hears of a pod created and deleted while the watch hung, once the informer re-lists', async () => {
    const informer = new Informer<KubeObject>({ kubeConfig: env.server.kubeConfig, path: `/api/v1/namespaces/${ns}/pods`, labelSelector: WORKER_POD_SELECTOR, idleTimeoutMs: 500 });
    const shared = createKubernetesPort({ kubeConfig: env.server.kubeConfig, namespace: ns, podInformer: informer });
    try {
      informer.start();
      await informer.waitForSync();
      // The watch goes silent; the pod is created (read live: the cache has not seen it) and deleted meanwhile.
      const hang = env.server.faults.inject({ verb: 'watch', resource: 'pods', watch: 'hang', count: 1 });
      env.server.faults.cutWatches();
      await vi.waitFor(() => expect(hang.hits).toBe(1));
      await shared.createPod(ns, pod('w-gap'));
      const gone = shared.waitForPod(ns, 'w-gap', (p) => p === undefined, new AbortController().signal);
      await new Promise((r) => setTimeout(r, 50)); // the waiter's live read saw the pod
      await env.core.deleteNamespacedPod({ namespace: ns, name: 'w-gap', gracePeriodSeconds: 0 });
      await expect(gone).resolves.toBeUndefined();
      expect(informer.stats.idleTimeouts).toBeGreaterThanOrEqual(1);
    } finally {
      await informer.stop();
    }
  });
});

describe('listPods on the shared informer', () => {
  it('answers worker-pod selectors from the synced cache (no LIST reaches the server) and anything else live', async () => {
    const informer = new Informer<KubeObject>({ kubeConfig: env.server.kubeConfig, path: `/api/v1/namespaces/${ns}/pods`, labelSelector: WORKER_POD_SELECTOR });
    const shared = createKubernetesPort({ kubeConfig: env.server.kubeConfig, namespace: ns, podInformer: informer, retry: { attempts: 2, delayMs: 10 } });
    const worker = (group: string) => ({ 'actions-gateway/runner-group': group, 'actions-gateway/component': 'workload' });
    try {
      // Not synced yet: a live list.
      await shared.createPod(ns, pod('w-a1', worker('a')));
      expect((await shared.listPods(ns, worker('a'))).map((p) => p.metadata?.name)).toEqual(['w-a1']);
      informer.start();
      await informer.waitForSync();
      const lists = env.server.faults.inject({ verb: 'list', resource: 'pods', error: 500 });
      await shared.createPod(ns, pod('w-a2', worker('a')));
      await shared.createPod(ns, pod('w-b1', worker('b')));
      await vi.waitFor(async () => expect((await shared.listPods(ns, worker('a'))).map((p) => p.metadata?.name).sort()).toEqual(['w-a1', 'w-a2']));
      await vi.waitFor(async () => expect((await shared.listPods(ns, worker('b'))).map((p) => p.metadata?.name)).toEqual(['w-b1']));
      expect(lists.hits).toBe(0);
      // A selector that is not a worker-pod selector, or another namespace, is not the cache's to answer.
      await expect(shared.listPods(ns, { 'actions-gateway/runner-group': 'a' })).rejects.toThrow();
      await expect(shared.listPods('elsewhere', worker('a'))).rejects.toThrow();
      expect(lists.hits).toBe(4); // two calls, each tried twice
    } finally {
      await informer.stop();
    }
  });
});

describe('transient API failures', () => {
  it('retries 500, 429 and 503 on creates, reads, lists, patches and deletes until the call goes through', async () => {
    const faults = [
      env.server.faults.inject({ verb: 'create', resource: 'secrets', error: 500, count: 2 }),
      env.server.faults.inject({ verb: 'create', resource: 'pods', error: 429, retryAfterSeconds: 0, count: 1 }),
      env.server.faults.inject({ verb: 'list', resource: 'pods', error: 503, retryAfterSeconds: 0, count: 1 }),
      env.server.faults.inject({ verb: 'patch', resource: 'pods', error: 500, count: 1 }),
      env.server.faults.inject({ verb: 'delete', resource: 'secrets', error: 504, count: 1 }),
      env.server.faults.inject({ verb: 'get', resource: 'secrets', error: 500, count: 1 }),
    ];
    await port.createSecret(ns, { metadata: { name: 'job-t' } });
    expect((await port.createPod(ns, pod('w-t'))).metadata?.name).toBe('w-t');
    expect((await port.listPods(ns, {})).map((p) => p.metadata?.name)).toContain('w-t');
    await port.annotatePod(ns, 'w-t', { a: 'b' });
    expect((await port.getSecret(ns, 'job-t'))?.metadata?.name).toBe('job-t');
    await port.deleteSecret(ns, 'job-t');
    expect(faults.map((f) => f.hits)).toEqual([2, 1, 1, 1, 1, 1]);
    expect((await env.core.readNamespacedPod({ namespace: ns, name: 'w-t' })).metadata?.annotations?.['a']).toBe('b');
    expect(await env.core.readNamespacedSecret({ namespace: ns, name: 'job-t' }).catch(() => 'gone')).toBe('gone');
  });

  it('fails at once on an answer about the request, and after its attempts on a failure that lasts', async () => {
    const short = createKubernetesPort({ kubeConfig: env.server.kubeConfig, namespace: ns, retry: { attempts: 3, delayMs: 10 } });
    const forbidden = env.server.faults.inject({ verb: 'create', resource: 'secrets', error: 403, count: 1 });
    await expect(short.createSecret(ns, { metadata: { name: 'job-f' } })).rejects.toMatchObject({ statusCode: 403 });
    expect(forbidden.hits).toBe(1);
    const down = env.server.faults.inject({ verb: 'create', resource: 'secrets', error: 500 });
    await expect(short.createSecret(ns, { metadata: { name: 'job-f' } })).rejects.toMatchObject({ statusCode: 500 });
    expect(down.hits).toBe(3);
    down.remove();
    // A first-attempt conflict is still a conflict: the plan is provisioned elsewhere.
    await short.createSecret(ns, { metadata: { name: 'job-f' } });
    expect(isConflict(await short.createSecret(ns, { metadata: { name: 'job-f' } }).catch((e: unknown) => e))).toBe(true);
    await short.close();
  });
});

describe('emitEvent', () => {
  it('records an events.k8s.io/v1 Event regarding the object', async () => {
    await port.emitEvent({
      regarding: { apiVersion: 'actions.github.com/v1alpha1', kind: 'RunnerGroup', namespace: ns, name: 'linux', uid: 'u-1' },
      type: 'Warning',
      reason: 'WorkerPodStuckPending',
      action: 'ReapWorkerPods',
      message: 'pod w-1 pending for 10m',
    });
    const events = await env.server.kubeConfig.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({
      type: 'Warning',
      reason: 'WorkerPodStuckPending',
      action: 'ReapWorkerPods',
      note: 'pod w-1 pending for 10m',
      regarding: { kind: 'RunnerGroup', name: 'linux', namespace: ns, uid: 'u-1' },
    });
  });
});
