import { describe, expect, it } from 'vitest';
import { buildGatewayDesiredState, buildTeardownPlan, runnerGroupsToPrune } from '../../src/index.js';
import { sampleGateway, sampleInputs } from './fixtures.js';

describe('buildGatewayDesiredState', () => {
  const state = buildGatewayDesiredState(sampleInputs());

  it('holds every object of the inventory, in apply order', () => {
    expect(state.objects.map(({ object }) => `${object.kind}/${object.metadata.name}`)).toEqual([
      'ServiceAccount/actions-gateway-controller',
      'ServiceAccount/actions-gateway-worker',
      'RoleBinding/actions-gateway-controller',
      'Secret/actions-gateway-proxy-tls',
      'Secret/actions-gateway-metrics-tls',
      'Secret/actions-gateway-metrics-client',
      'Deployment/actions-gateway-proxy',
      'Service/actions-gateway-proxy',
      'NetworkPolicy/actions-gateway-proxy',
      'NetworkPolicy/actions-gateway-workload',
      'NetworkPolicy/actions-gateway-controller',
      'PodDisruptionBudget/actions-gateway-proxy',
      'HorizontalPodAutoscaler/actions-gateway-proxy',
      'Deployment/actions-gateway-controller',
      'Service/actions-gateway-controller',
    ]);
    for (const { object } of state.objects) {
      expect(object.metadata.namespace).toBe('team-a');
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'actions-gateway-gmc',
        'actions-gateway/owner-name': 'team-a',
        'actions-gateway/owner-ns': 'team-a',
      });
    }
  });

  it('gives ownerRefs to Deployments and Secrets only', () => {
    const owned = state.objects.filter(({ object }) => object.metadata.ownerReferences).map(({ object }) => object.kind);
    expect([...new Set(owned)].sort()).toEqual(['Deployment', 'Secret']);
  });

  it('only the proxy Deployment has a create variant, and only it carries replicas', () => {
    const withCreate = state.objects.filter((o) => o.createObject);
    expect(withCreate.map((o) => o.object.metadata.name)).toEqual(['actions-gateway-proxy']);
    expect((withCreate[0]?.createObject?.spec as Record<string, unknown>).replicas).toBe(2);
  });

  it('binds the AGC to ClusterRole agc-tenant-role', () => {
    const rb = state.objects.find((o) => o.object.kind === 'RoleBinding')?.object;
    expect(rb?.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'agc-tenant-role' });
    expect(rb?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'actions-gateway-controller', namespace: 'team-a' }]);
  });

  it('shapes TLS Secrets from the given PEMs', () => {
    const metrics = state.objects.find((o) => o.object.metadata.name === 'actions-gateway-metrics-tls')?.object;
    expect(metrics?.type).toBe('kubernetes.io/tls');
    const data = metrics?.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(Buffer.from(data['tls.crt'] ?? '', 'base64').toString()).toBe('M CERT');
  });

  it('stamps the six PSA labels for the profile', () => {
    const restricted = buildGatewayDesiredState(sampleInputs((a) => (a.spec.securityProfile = 'restricted')));
    expect(restricted.namespacePsa).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'team-a',
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'latest',
        },
      },
    });
  });

  it('names RunnerGroups <gateway>-<name>, with defaults, owner labels and no ownerRef', () => {
    expect(state.runnerGroups.map((rg) => rg.metadata.name)).toEqual(['team-a-cpu', 'team-a-gpu']);
    const gpu = state.runnerGroups[1];
    expect(gpu?.spec).toMatchObject({ runnerLabels: ['gpu'], acquisitionProtocol: 'Classic', maxWorkerLifetime: '12h' });
    expect(gpu?.spec).not.toHaveProperty('name');
    expect(gpu?.metadata.ownerReferences).toBeUndefined();
    expect(gpu?.metadata.labels).toMatchObject({ 'actions-gateway/owner-name': 'team-a', 'actions-gateway/runner-group-entry': 'gpu' });
    expect(state.runnerGroupSelector).toEqual({ 'actions-gateway/owner-name': 'team-a', 'actions-gateway/owner-ns': 'team-a' });
    expect(runnerGroupsToPrune(['team-a-cpu', 'team-a-old'], state.runnerGroups)).toEqual(['team-a-old']);
  });

  it('is deterministic and does not mutate its input', () => {
    const inputs = sampleInputs();
    const before = structuredClone(inputs);
    expect(buildGatewayDesiredState(inputs)).toEqual(buildGatewayDesiredState(inputs));
    expect(inputs).toEqual(before);
  });
});

describe('buildTeardownPlan', () => {
  it('deletes RunnerGroups first, then the AGC, proxy, policies, RBAC and ServiceAccounts', () => {
    const plan = buildTeardownPlan(sampleGateway());
    expect(plan.runnerGroups.labelSelector).toEqual({ 'actions-gateway/owner-name': 'team-a', 'actions-gateway/owner-ns': 'team-a' });
    expect(plan.deletes.map((d) => `${d.kind}/${d.name}`)).toEqual([
      'Deployment/actions-gateway-controller',
      'Service/actions-gateway-controller',
      'HorizontalPodAutoscaler/actions-gateway-proxy',
      'PodDisruptionBudget/actions-gateway-proxy',
      'Service/actions-gateway-proxy',
      'Deployment/actions-gateway-proxy',
      'NetworkPolicy/actions-gateway-proxy',
      'NetworkPolicy/actions-gateway-controller',
      'NetworkPolicy/actions-gateway-workload',
      'NetworkPolicy/actions-gateway',
      'RoleBinding/actions-gateway-controller',
      'Role/actions-gateway-controller',
      'ServiceAccount/actions-gateway-controller',
      'ServiceAccount/actions-gateway-worker',
    ]);
    expect(plan.deletes.every((d) => d.namespace === 'team-a')).toBe(true);
  });
});
