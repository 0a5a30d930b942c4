// Admission's quotas and limit ranges from informers (QuotaCache) behind the real Kubernetes port, against the
// testkit API server: a cached quota that lags the AGC's own pod creates never admits past a full quota (the
// two naive caches of session 4 did), and at steady state admission reads cost no LIST.
import { applyRunnerGroupDefaults, buildWorkerPod, resolveProvisionerGroup, systemClock, workerPodName, type Pod, type ProvisionerGroup } from '@actions-gateway/core';
import { startApiServer, type ApiServer, type InjectedFault } from '@actions-gateway/testkit';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupAdmission } from '../../../src/agc/classic/group-admission.js';
import { WORKER_POD_SELECTOR, createKubernetesPort, type ClosableKubernetesPort } from '../../../src/agc/ports/kubernetes-port.js';
import { QuotaCache } from '../../../src/agc/ports/quota-cache.js';
import { readCapacity } from '../../../src/agc/scaleset/capacity.js';
import { Informer } from '../../../src/runtime/informer.js';
import type { KubeObject } from '../../../src/runtime/object.js';

const ns = 'ci';
let server: ApiServer;
let core: CoreV1Api;
let pods: Informer<KubeObject>;
let cache: QuotaCache;
let port: ClosableKubernetesPort;
let quotaLists: InjectedFault;

const group: ProvisionerGroup = resolveProvisionerGroup(
  applyRunnerGroupDefaults({
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'RunnerGroup',
    metadata: { name: 'linux', namespace: ns, uid: 'u1' },
    spec: { acquisitionProtocol: 'Classic', runnerLabels: ['self-hosted'], podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
  }),
  { securityProfile: 'restricted', proxy: { httpsProxy: 'http://egress.ci.svc:8080' } },
);

/** The worker pod of a job, without the ownerRef to a RunnerGroup this server does not have (its GC would remove it). */
function workerPod(planId: string): Pod {
  const built = buildWorkerPod(group, { planId });
  return { ...built, metadata: { ...built.metadata, ownerReferences: [] } };
}

async function setQuota(hard: Record<string, string>): Promise<void> {
  const body = { metadata: { name: 'compute' }, spec: { hard } };
  await core.createNamespacedResourceQuota({ namespace: ns, body }).catch(() => core.replaceNamespacedResourceQuota({ namespace: ns, name: 'compute', body }));
}

/** Starts the AGC's wiring: worker-pod informer, quota cache, and the port on both. */
async function startPort(): Promise<void> {
  pods = new Informer<KubeObject>({ kubeConfig: server.kubeConfig, path: `/api/v1/namespaces/${ns}/pods`, labelSelector: WORKER_POD_SELECTOR });
  cache = new QuotaCache({ kubeConfig: server.kubeConfig, namespace: ns });
  pods.start();
  cache.start();
  await Promise.all([pods.waitForSync(), cache.waitForSync()]);
  port = createKubernetesPort({ kubeConfig: server.kubeConfig, namespace: ns, podInformer: pods, quotaCache: cache });
}

const podsSeen = (n: number): Promise<void> => vi.waitFor(() => expect(pods.store.size).toBe(n), { timeout: 20_000, interval: 20 });

beforeEach(async () => {
  server = await startApiServer({ kubelet: false, controllers: false, namespaces: ['default', ns] });
  core = server.kubeConfig.makeApiClient(CoreV1Api);
  // A rule with no effect: its hit count is the number of quota LISTs the server answered.
  quotaLists = server.faults.inject({ verb: 'list', resource: 'resourcequotas' });
});

afterEach(async () => {
  await port?.close();
  await Promise.all([pods?.stop(), cache?.stop()]);
  await server.close();
});

describe('a cached quota behind the AGC own creates', () => {
  it('never admits past a full quota, even when the cached quota never catches up', async () => {
    await setQuota({ pods: '2' });
    // The quota watch answers and then says nothing: the cache keeps the first list (used 0) for good.
    server.faults.inject({ verb: 'watch', resource: 'resourcequotas', watch: 'hang' });
    await startPort();
    const admission = new GroupAdmission(port, () => group, systemClock);
    expect((await admission.room()).capacity).toBe(2);

    for (const [i, planId] of ['p1', 'p2'].entries()) {
      const reserved = await admission.reserve();
      expect(reserved.reservation).toBeDefined();
      reserved.reservation?.bind(planId);
      await port.createPod(ns, workerPod(planId));
      await podsSeen(i + 1); // until then the claim counts twice (unseen, and in the live quota): pessimistic
    }
    expect(pods.store.list().map((p) => p.metadata?.name).sort()).toEqual([workerPodName(group.name, 'p1'), workerPodName(group.name, 'p2')].sort());

    // Both pods are in the pod cache (no claim is "unseen"); the cached quota still says 0 of 2 used.
    const room = await admission.room();
    expect(room.capacity).toBe(0);
    expect(room.decision).toMatchObject({ admit: false, reason: 'quota' });
    const refused = await admission.reserve();
    expect(refused.reservation).toBeUndefined();
    expect(refused.reservation === undefined && refused.detail).toContain('ResourceQuota compute: pods needs 1, 0 free of 2');
    // The scale-set tier reads the same port.
    expect((await readCapacity(port, group, new Map())).room).toBe(0);
  });

  it('lists live while an own create is in flight', async () => {
    await setQuota({ pods: '5' });
    await startPort();
    await port.listResourceQuotas(ns); // confirms the cache
    const before = quotaLists.hits;
    expect((await port.listResourceQuotas(ns)).length).toBe(1);
    expect(quotaLists.hits).toBe(before);

    const slowCreate = server.faults.inject({ verb: 'create', resource: 'pods', latencyMs: 400 });
    const creating = port.createPod(ns, workerPod('p1'));
    await vi.waitFor(() => expect(slowCreate.hits).toBe(1), { timeout: 10_000, interval: 5 });
    await port.listResourceQuotas(ns);
    expect(quotaLists.hits).toBe(before + 1);
    await creating;
  });
});

describe('steady state', () => {
  it('answers admission reads from the informers, lists again after an own create until the cache caught up', async () => {
    await setQuota({ pods: '5' });
    await core.createNamespacedLimitRange({ namespace: ns, body: { metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m' } }] } } });
    const limitRangeLists = server.faults.inject({ verb: 'list', resource: 'limitranges' });
    await startPort();
    const informerLists = { quotas: cache.informerStats.quotas.lists };
    const admission = new GroupAdmission(port, () => group, systemClock);

    expect((await admission.room()).capacity).toBe(5); // the first read confirms the cache with one LIST
    const afterFirst = quotaLists.hits;
    for (let i = 0; i < 200; i++) await admission.room();
    expect(quotaLists.hits).toBe(afterFirst);

    await port.createPod(ns, workerPod('p1'));
    await podsSeen(1);
    // The next read after the create lists; reads stop listing once the watch delivered the new usage.
    expect((await admission.room()).capacity).toBe(4);
    expect(quotaLists.hits).toBeGreaterThan(afterFirst);
    await vi.waitFor(
      async () => {
        const hits = quotaLists.hits;
        expect((await admission.room()).capacity).toBe(4);
        expect(quotaLists.hits).toBe(hits);
      },
      { timeout: 20_000, interval: 20 },
    );
    const settled = quotaLists.hits;
    for (let i = 0; i < 200; i++) expect((await admission.room()).capacity).toBe(4);
    expect(quotaLists.hits).toBe(settled);

    // An admin lowering the quota reaches admission through the watch, with no LIST.
    await setQuota({ pods: '1' });
    await vi.waitFor(async () => expect((await admission.room()).capacity).toBe(0), { timeout: 20_000, interval: 20 });
    expect(quotaLists.hits).toBe(settled);

    // LimitRanges were read from their informer only; its first LIST is the only one.
    expect((await port.listLimitRanges(ns))[0]?.spec?.limits[0]).toMatchObject({ type: 'Container', defaultRequest: { cpu: '100m' } });
    expect(limitRangeLists.hits).toBe(cache.informerStats.limitRanges.lists);
    expect(cache.informerStats.quotas.lists).toBe(informerLists.quotas);
  });

  it('lists live when the cache has not synced', async () => {
    await setQuota({ pods: '3' });
    cache = new QuotaCache({ kubeConfig: server.kubeConfig, namespace: ns });
    port = createKubernetesPort({ kubeConfig: server.kubeConfig, namespace: ns, quotaCache: cache });
    const quotas = await port.listResourceQuotas(ns);
    expect(quotas.map((q) => q.metadata?.name)).toEqual(['compute']);
    expect(cache.stats).toEqual({ cached: 0, live: 1 });
    expect(quotaLists.hits).toBe(1);
  });
});
