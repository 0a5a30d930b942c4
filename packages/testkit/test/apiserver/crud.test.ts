// client-node against the server: CRUD, Status errors, selectors, paging, every patch type and server-side apply.
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/index.js';
import { startApiServer } from '../../src/index.js';

let server: ApiServer;
let core: CoreV1Api;

beforeAll(async () => {
  server = await startApiServer();
  core = server.kubeConfig.makeApiClient(CoreV1Api);
});
afterAll(async () => server.close());

async function failure(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, body: JSON.parse(String(e.body)) as Record<string, unknown> };
    throw e;
  }
  throw new Error('expected the call to fail');
}

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
});

describe('CRUD semantics', () => {
  it('creates with uid, creationTimestamp, resourceVersion; generateName picks a name', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'cfg-' }, data: { a: '1' } } });
    expect(cm.metadata?.name).toMatch(/^cfg-[a-z0-9]{5}$/);
    expect(cm.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(cm.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(cm.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('returns real Status errors: 404 NotFound, 409 AlreadyExists, 409 Conflict, 422 Invalid', async () => {
    const nf = await failure(core.readNamespacedConfigMap({ name: 'missing', namespace: 'default' }));
    expect(nf.code).toBe(404);
    expect(nf.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'configmaps "missing" not found', details: { name: 'missing', kind: 'configmaps' } });

    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } });
    const ae = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } }));
    expect(ae.code).toBe(409);
    expect(ae.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "dup" already exists' });

    const first = await core.readNamespacedConfigMap({ name: 'dup', namespace: 'default' });
    await core.replaceNamespacedConfigMap({ name: 'dup', namespace: 'default', body: { ...first, data: { x: '1' } } });
    const stale = await failure(core.replaceNamespacedConfigMap({ name: 'dup', namespace: 'default', body: { ...first, data: { x: '2' } } }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "dup": the object has been modified; please apply your changes to the latest version and try again',
    });

    const inv = await failure(core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'Bad_Name' }, spec: { containers: [] } } }));
    expect(inv.code).toBe(422);
    expect(inv.body.reason).toBe('Invalid');
    expect(String(inv.body.message)).toMatch(/^Pod "Bad_Name" is invalid: \[metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    const causes = (inv.body.details as { causes: { field: string; reason: string }[] }).causes;
    expect(causes.map((c) => c.field)).toEqual(['metadata.name', 'spec.containers']);
  });

  it('404s a namespaced create in a namespace that does not exist', async () => {
    const nf = await failure(core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'x' } } }));
    expect(nf.code).toBe(404);
    expect(nf.body.message).toBe('namespaces "nope" not found');
  });

  it('bumps generation on spec changes only; the status subresource ignores spec and the main endpoint ignores status', async () => {
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    const d = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'gen' }, spec: { replicas: 0, selector: { matchLabels: { app: 'gen' } }, template: { metadata: { labels: { app: 'gen' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } } },
    });
    expect(d.metadata?.generation).toBe(1);
    const labelled = await apps.patchNamespacedDeployment({ name: 'gen', namespace: 'default', body: { metadata: { labels: { a: 'b' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(labelled.metadata?.generation).toBe(1);
    const scaled = await apps.patchNamespacedDeployment({ name: 'gen', namespace: 'default', body: { spec: { replicas: 0, paused: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(scaled.metadata?.generation).toBe(2);
    const viaMain = await apps.patchNamespacedDeployment({ name: 'gen', namespace: 'default', body: { status: { replicas: 99 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(viaMain.status?.replicas).not.toBe(99);
    const viaStatus = await apps.patchNamespacedDeploymentStatus({ name: 'gen', namespace: 'default', body: { status: { replicas: 99 }, spec: { replicas: 7 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(viaStatus.status?.replicas).toBe(99);
    expect(viaStatus.spec?.replicas).toBe(0);
    expect(viaStatus.metadata?.generation).toBe(2);
  });

  it('lists with equality and set-based label selectors, field selectors and limit/continue', async () => {
    await server.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'sel' } } });
    for (const [name, tier] of [['a', 'web'], ['b', 'db'], ['c', 'web'], ['d', 'cache']] as const) {
      await core.createNamespacedPod({ namespace: 'sel', body: pod(name, { tier, ...(name === 'd' ? { extra: 'y' } : {}) }) });
    }
    const names = (l: { items: V1Pod[] }): string[] => l.items.map((p) => p.metadata!.name!);
    expect(names(await core.listNamespacedPod({ namespace: 'sel', labelSelector: 'tier=web' }))).toEqual(['a', 'c']);
    expect(names(await core.listNamespacedPod({ namespace: 'sel', labelSelector: 'tier in (db,cache)' }))).toEqual(['b', 'd']);
    expect(names(await core.listNamespacedPod({ namespace: 'sel', labelSelector: 'tier notin (web),!extra' }))).toEqual(['b']);
    expect(names(await core.listNamespacedPod({ namespace: 'sel', labelSelector: 'tier!=web,extra' }))).toEqual(['d']);
    expect(names(await core.listNamespacedPod({ namespace: 'sel', fieldSelector: 'metadata.name=c' }))).toEqual(['c']);
    expect(names(await core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace=sel,metadata.name!=a' }))).toEqual(['b', 'c', 'd']);
    const page1 = await core.listNamespacedPod({ namespace: 'sel', limit: 3 });
    expect(names(page1)).toEqual(['a', 'b', 'c']);
    expect(page1.metadata?.remainingItemCount).toBe(1);
    const page2 = await core.listNamespacedPod({ namespace: 'sel', limit: 3, _continue: page1.metadata!._continue! });
    expect(names(page2)).toEqual(['d']);
    expect(page2.metadata?._continue).toBeUndefined();
    const bad = await failure(core.listNamespacedPod({ namespace: 'sel', fieldSelector: 'spec.bogus=1' }));
    expect(bad.code).toBe(400);
    expect(bad.body.message).toBe('field label not supported: spec.bogus');
  });
});

describe('PATCH', () => {
  const headers = (s: PatchStrategy) => setHeaderOptions('Content-Type', s);
  it('applies JSON patch, merge patch and strategic merge patch with list merge keys', async () => {
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'p1', finalizers: ['a/x'] },
        spec: { containers: [{ name: 'main', image: 'busybox:1', env: [{ name: 'A', value: '1' }] }, { name: 'side', image: 'side:1' }] },
      },
    });
    const sm = await core.patchNamespacedPod(
      {
        name: 'p1',
        namespace: 'default',
        body: { metadata: { finalizers: ['b/y'] }, spec: { containers: [{ name: 'main', image: 'busybox:2', env: [{ name: 'B', value: '2' }] }] } },
      },
      headers(PatchStrategy.StrategicMergePatch),
    );
    expect(sm.spec?.containers.map((c) => [c.name, c.image])).toEqual([['main', 'busybox:2'], ['side', 'side:1']]);
    expect(sm.spec?.containers[0]?.env?.map((e) => e.name)).toEqual(['A', 'B']);
    expect(sm.metadata?.finalizers).toEqual(['a/x', 'b/y']);

    const del = await core.patchNamespacedPod(
      { name: 'p1', namespace: 'default', body: { spec: { containers: [{ name: 'side', $patch: 'delete' }] }, metadata: { $deleteFromPrimitiveList: undefined } } },
      headers(PatchStrategy.StrategicMergePatch),
    );
    expect(del.spec?.containers.map((c) => c.name)).toEqual(['main']);

    const merge = await core.patchNamespacedPod({ name: 'p1', namespace: 'default', body: { metadata: { labels: { m: '1' }, finalizers: null } } }, headers(PatchStrategy.MergePatch));
    expect(merge.metadata?.labels).toEqual({ m: '1' });
    expect(merge.metadata?.finalizers).toBeUndefined();

    const jp = await core.patchNamespacedPod(
      { name: 'p1', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels/j', value: '2' }, { op: 'remove', path: '/metadata/labels/m' }, { op: 'test', path: '/metadata/labels/j', value: '2' }] },
      headers(PatchStrategy.JsonPatch),
    );
    expect(jp.metadata?.labels).toEqual({ j: '2' });

    const missing = await failure(core.patchNamespacedPod({ name: 'p1', namespace: 'default', body: [{ op: 'replace', path: '/metadata/annotations/zz', value: '1' }] }, headers(PatchStrategy.JsonPatch)));
    expect(missing.code).toBe(422);
  });

  it('server-side apply creates, tracks managedFields, conflicts with 409 and takes over with force', async () => {
    const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'default' }, data: { a: '1', b: '2' } };
    const created = await objects.patch(cm, undefined, undefined, 'alice', undefined, PatchStrategy.ServerSideApply);
    expect((created as V1ConfigMap).data).toEqual({ a: '1', b: '2' });
    const mf = (created as V1ConfigMap).metadata?.managedFields ?? [];
    expect(mf).toHaveLength(1);
    expect(mf[0]).toMatchObject({ manager: 'alice', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } });

    const clash = await failure(objects.patch({ ...cm, data: { a: 'other' } }, undefined, undefined, 'bob', undefined, PatchStrategy.ServerSideApply));
    expect(clash.code).toBe(409);
    expect(clash.body.reason).toBe('Conflict');
    expect(clash.body.message).toBe('Apply failed with 1 conflict: conflict with "alice": .data.a');

    const forced = (await objects.patch({ ...cm, data: { a: 'other' } }, undefined, undefined, 'bob', true, PatchStrategy.ServerSideApply)) as V1ConfigMap;
    expect(forced.data).toEqual({ a: 'other', b: '2' });
    const managers = Object.fromEntries((forced.metadata?.managedFields ?? []).map((f): [string, unknown] => [String(f.manager), f.fieldsV1 as unknown]));
    expect(managers).toEqual({ alice: { 'f:data': { 'f:b': {} } }, bob: { 'f:data': { 'f:a': {} } } });

    // alice stops applying b: she was its only owner, so it goes.
    const pruned = (await objects.patch({ ...cm, data: {} }, undefined, undefined, 'alice', undefined, PatchStrategy.ServerSideApply)) as V1ConfigMap;
    expect(pruned.data).toEqual({ a: 'other' });
  });
});

describe('Leases', () => {
  it('accepts six-digit MicroTime and rejects three digits with 400 as the real decoder does', async () => {
    const { CoordinationV1Api, V1MicroTime } = await import('@kubernetes/client-node');
    const leases = server.kubeConfig.makeApiClient(CoordinationV1Api);
    const ok = await leases.createNamespacedLease({
      namespace: 'default',
      body: { metadata: { name: 'lead' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: new V1MicroTime() } },
    });
    expect(ok.spec?.holderIdentity).toBe('me');
    const res = await fetch(`${server.url}/apis/coordination.k8s.io/v1/namespaces/default/leases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'bad' }, spec: { renewTime: new Date().toISOString() } }),
    });
    expect(res.status).toBe(400);
    const status = (await res.json()) as { reason: string; message: string };
    expect(status.reason).toBe('BadRequest');
    expect(status.message).toMatch(/^Lease in version "v1" cannot be handled as a Lease: parsing time/);
  });
});
