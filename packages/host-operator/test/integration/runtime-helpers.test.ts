// Finalizers, status with conflict retry and the Event recorder against the testkit API server.
import { crdManifests } from '@actions-gateway/core';
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomResourceClient, EventRecorder, ensureFinalizer, removeFinalizer, updateStatus, type KubeObject } from '../../src/index.js';

let server: ApiServer;
let client: CustomResourceClient<KubeObject & { status?: { observedGeneration?: number } }>;

beforeAll(async () => {
  server = await startApiServer({ kubelet: false, controllers: false });
  const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  }
  await objects.create({
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'ActionsGateway',
    metadata: { name: 'gw', namespace: 'default', finalizers: ['someone.else/keep'] },
    spec: { gitHubAppRef: { name: 'app' }, gitHubURL: 'https://github.com/org' },
  } as KubernetesObject);
  client = new CustomResourceClient(server.kubeConfig, { group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'actionsgateways' });
});
afterAll(() => server.close());

describe('runtime helpers', () => {
  it('adds and removes a finalizer without losing another writer\'s, retrying a stale resourceVersion', async () => {
    const stale = await client.get('default', 'gw');
    await client.patch('default', 'gw', { metadata: { labels: { touched: 'yes' } } }); // stale is now out of date
    const added = await ensureFinalizer(client, stale, 'actions-gateway.github.com/gmc-cleanup');
    expect(added.metadata?.finalizers).toEqual(['someone.else/keep', 'actions-gateway.github.com/gmc-cleanup']);
    const again = await ensureFinalizer(client, added, 'actions-gateway.github.com/gmc-cleanup');
    expect(again.metadata?.resourceVersion).toBe(added.metadata?.resourceVersion);
    const removed = await removeFinalizer(client, stale, 'actions-gateway.github.com/gmc-cleanup');
    expect(removed.metadata?.finalizers).toEqual(['someone.else/keep']);
  });

  it('writes status through /status and retries a conflict', async () => {
    const fault = server.faults.inject({ verb: 'patch', resource: 'actionsgateways/status', error: 409, count: 1 });
    let computed = 0;
    const written = await updateStatus(client, 'default', 'gw', (live) => {
      computed++;
      return { observedGeneration: live.metadata?.generation ?? 0 };
    });
    expect(fault.hits).toBe(1);
    expect(computed).toBe(2);
    expect(written.status?.observedGeneration).toBe(1);
  });

  it('records events.k8s.io/v1 Events and folds repeats into a series', async () => {
    const gw = await client.get('default', 'gw');
    const recorder = new EventRecorder({ kubeConfig: server.kubeConfig, controller: 'actionsgateway-controller', instance: 'gmc-0' });
    await recorder.record({ ...gw, apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'ActionsGateway' }, 'Warning', 'TeardownIncomplete', 'ReconcileDelete', 'x failed');
    await recorder.record({ ...gw, apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'ActionsGateway' }, 'Warning', 'TeardownIncomplete', 'ReconcileDelete', 'x failed');
    const events = server.store.list('events.k8s.io/v1', 'Event', 'default') as (KubernetesObject & Record<string, unknown>)[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Warning',
      reason: 'TeardownIncomplete',
      action: 'ReconcileDelete',
      reportingController: 'actionsgateway-controller',
      regarding: { kind: 'ActionsGateway', name: 'gw', namespace: 'default' },
      series: { count: 2 },
    });
    expect(String(events[0]!['eventTime'])).toMatch(/\.\d{6}Z$/);
  });
});
