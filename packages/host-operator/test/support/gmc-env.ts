/** Shared setup of the GMC integration tests: a testkit API server with the CRDs, a local /meta, a kubeconfig file. */
import { crdManifests } from '@actions-gateway/core';
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCorpusObject } from './corpus.js';

export interface GmcEnv {
  server: ApiServer;
  kubeconfigPath: string;
  metaUrl: string;
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  close(): Promise<void>;
}


/** An ActionsGateway from core's corpus, moved to `namespace`. */
export function sampleGateway(namespace: string, file = 'valid.yaml'): KubernetesObject & { spec: Record<string, unknown> } {
  const obj = loadCorpusObject(file) as unknown as KubernetesObject & { spec: Record<string, unknown> };
  obj.metadata = { ...obj.metadata, namespace, name: 'gw' };
  (obj.spec['gitHubAppRef'] as { name: string }).name = 'app';
  return obj;
}

export async function startGmcEnv(): Promise<GmcEnv> {
  const server = await startApiServer();
  const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  }
  const meta: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ api: ['192.30.252.0/22'], actions: ['4.148.0.0/16'], web: ['140.82.112.0/20'] }));
  });
  await new Promise<void>((r) => meta.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'gmc-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  server.writeKubeconfig(kubeconfigPath);
  return {
    server,
    kubeconfigPath,
    metaUrl: `http://127.0.0.1:${(meta.address() as AddressInfo).port}`,
    objects,
    core: server.kubeConfig.makeApiClient(CoreV1Api),
    close: async () => {
      await new Promise<void>((r) => meta.close(() => r()));
      await server.close();
    },
  };
}

/** A tenant namespace (with the admin marker) and, unless `withSecret` is false, its App Secret. */
export async function tenant(env: GmcEnv, namespace: string, withSecret = true): Promise<void> {
  await env.core.createNamespace({ body: { metadata: { name: namespace, labels: { 'actions-gateway.github.com/tenant': 'true' } } } });
  if (withSecret) {
    await env.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'app' }, stringData: { appId: '1', installationId: '2', privateKey: 'k' } } });
  }
}

export function gmcArgs(env: GmcEnv, extra: string[] = []): string[] {
  return [
    '--kubeconfig', env.kubeconfigPath,
    '--metrics-bind-address', '127.0.0.1:0',
    '--health-probe-bind-address', '127.0.0.1:0',
    '--webhook-bind-address', '0',
    '--github-api-url', env.metaUrl,
    '--allowed-priority-classes', 'ci-high,ci-low',
    '--allow-floating-image-tags',
    ...extra,
  ];
}

export const gmcProcessEnv = { AGC_IMAGE: 'ghcr.io/actions-gateway/agc:test', PROXY_IMAGE: 'ghcr.io/actions-gateway/proxy:test', POD_NAMESPACE: 'gmc-system' };

/** Every object the GMC creates in a tenant namespace (gag-system §3.3): apiVersion, kind, name. */
export const tenantInventory: readonly (readonly [string, string, string])[] = [
  ['v1', 'ServiceAccount', 'actions-gateway-controller'],
  ['v1', 'ServiceAccount', 'actions-gateway-worker'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'actions-gateway-controller'],
  ['v1', 'Secret', 'actions-gateway-proxy-tls'],
  ['v1', 'Secret', 'actions-gateway-metrics-tls'],
  ['v1', 'Secret', 'actions-gateway-metrics-client'],
  ['apps/v1', 'Deployment', 'actions-gateway-proxy'],
  ['v1', 'Service', 'actions-gateway-proxy'],
  ['networking.k8s.io/v1', 'NetworkPolicy', 'actions-gateway-proxy'],
  ['networking.k8s.io/v1', 'NetworkPolicy', 'actions-gateway-workload'],
  ['networking.k8s.io/v1', 'NetworkPolicy', 'actions-gateway-controller'],
  ['policy/v1', 'PodDisruptionBudget', 'actions-gateway-proxy'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', 'actions-gateway-proxy'],
  ['apps/v1', 'Deployment', 'actions-gateway-controller'],
  ['v1', 'Service', 'actions-gateway-controller'],
];
