// agc-tenant-role against the AGC's Kubernetes port: every port operation runs against the testkit API server
// through a request recorder, and each request must be allowed by the role as a RoleBinding in the tenant
// namespace grants it. For the core resources the port owns (pods, Secrets, quotas, limit ranges, Events) the
// role grants no verb the port leaves unused; Secrets can never be listed or watched.
import { QuotaCache, createKubernetesPort, type ClosableKubernetesPort } from '@actions-gateway/operator';
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RbacRequest, type RequestRecorder, startRequestRecorder } from './request-recorder.js';
import { deployDir, find, kustomize, type Manifest } from './support.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const namespace = 'team-a';
let server: ApiServer;
let recorder: RequestRecorder;
let port: ClosableKubernetesPort;
let quotaCache: QuotaCache;
let rules: Rule[];
let requests: RbacRequest[];

beforeAll(async () => {
  rules = find<Manifest & { rules: Rule[] }>(await kustomize(deployDir), 'ClusterRole', 'agc-tenant-role').rules;
  server = await startApiServer({ kubelet: false, controllers: false, namespaces: ['default', namespace] });
  recorder = await startRequestRecorder(server.url);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfigYaml.replace(server.url, recorder.url));
  // As the agc wires it: admission's quotas and limit ranges from informers (list, watch).
  quotaCache = new QuotaCache({ kubeConfig, namespace });
  quotaCache.start();
  await quotaCache.waitForSync();
  port = createKubernetesPort({ kubeConfig, namespace, quotaCache });

  const labels = { 'app.kubernetes.io/managed-by': 'actions-gateway-controller', 'actions-gateway/runner-group': 'cpu' };
  await port.createSecret(namespace, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'job-1', namespace }, data: { payload: Buffer.from('{}').toString('base64') } });
  await port.getSecret(namespace, 'job-1');
  await port.getSecret(namespace, 'absent');
  await port.createPod(namespace, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'runner-1', namespace, labels }, spec: { containers: [{ name: 'runner', image: 'runner@sha256:1' }] } });
  await port.getPod(namespace, 'runner-1');
  await port.listPods(namespace, labels);
  await port.annotatePod(namespace, 'runner-1', { 'actions-gateway/deletion-reason': 'completed_ttl' });
  await port.waitForPod(namespace, 'runner-1', (pod) => pod !== undefined, AbortSignal.timeout(10_000));
  await port.listResourceQuotas(namespace);
  await port.listLimitRanges(namespace);
  const event = {
    type: 'Warning' as const,
    reason: 'WorkerPodStuckPending',
    action: 'Reap',
    message: 'pod runner-1 was Pending for 10m',
    regarding: { apiVersion: 'v1', kind: 'Pod', name: 'runner-1', namespace },
  };
  await port.emitEvent(event);
  await port.emitEvent(event);
  await port.deletePod(namespace, 'runner-1', { gracePeriodSeconds: 0 });
  await port.deleteSecret(namespace, 'job-1');
  await port.close();
  await quotaCache.stop();
  requests = [...recorder.requests];
}, 60_000);

afterAll(async () => {
  await recorder?.close();
  await server?.close();
});

const allows = (r: RbacRequest): boolean =>
  r.namespace === namespace && rules.some((rule) => rule.apiGroups.includes(r.group) && rule.resources.includes(r.resource) && rule.verbs.includes(r.verb));

describe('agc-tenant-role against the AGC Kubernetes port', () => {
  it('allows every request the port makes, all inside the tenant namespace', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect([...new Set(requests.filter((r) => !allows(r)).map((r) => `${r.group} ${r.resource} ${r.verb} ${r.namespace ?? 'cluster'}`))]).toEqual([]);
  });

  it('grants no unused verb on the resources the port owns', () => {
    const owned = new Set(['pods', 'secrets', 'resourcequotas', 'limitranges', 'events']);
    const used = new Set(requests.map((r) => `${r.group} ${r.resource} ${r.verb}`));
    const unused = rules.flatMap((rule) =>
      rule.apiGroups.flatMap((g) => rule.resources.filter((res) => owned.has(res)).flatMap((res) => rule.verbs.map((v) => `${g} ${res} ${v}`))),
    ).filter((k) => !used.has(k));
    expect(unused).toEqual([]);
  });

  it('never lets the AGC list or watch Secrets', () => {
    const secretVerbs = rules.filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets')).flatMap((r) => r.verbs);
    expect(secretVerbs).not.toContain('list');
    expect(secretVerbs).not.toContain('watch');
    expect(secretVerbs).not.toContain('*');
  });
});
