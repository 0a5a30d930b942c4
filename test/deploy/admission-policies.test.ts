// The two ValidatingAdmissionPolicies that confine the GMC to marked tenant namespaces, evaluated with a CEL
// engine on the requests the GMC makes: they match only the GMC's ServiceAccount, cover every kind the GMC
// writes in a tenant namespace, admit the Pod Security labels core builds, and deny everything else the
// reference lists (unmarked namespace, other labels, annotations, removing the marker).
import { buildGatewayDesiredState, buildNamespacePsaApply, buildTeardownPlan, type ActionsGateway, type SecurityProfile } from '@actions-gateway/core';
import { Environment } from '@marcbachmann/cel-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployDir, find, kustomize, type Manifest } from './support.js';

interface Policy extends Manifest {
  spec: {
    failurePolicy: string;
    matchConstraints: { resourceRules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[] };
    matchConditions: { name: string; expression: string }[];
    variables?: { name: string; expression: string }[];
    validations: { expression: string; message: string; reason: string }[];
  };
}

const env = new Environment({ unlistedVariablesAreDyn: false })
  .registerVariable('object', 'dyn')
  .registerVariable('oldObject', 'dyn')
  .registerVariable('request', 'dyn')
  .registerVariable('namespaceObject', 'dyn')
  .registerVariable('variables', 'dyn');

const gmcUser = 'system:serviceaccount:gmc-system:gmc-controller-manager';
type Labels = Record<string, string>;
interface Request {
  user?: string;
  object?: unknown;
  oldObject?: unknown;
  namespaceObject?: unknown;
}

/** What the API server decides: undefined when the policy does not match, else the failed messages. */
function admit(policy: Policy, req: Request): string[] | undefined {
  const context: Record<string, unknown> = {
    object: req.object ?? null,
    oldObject: req.oldObject ?? null,
    namespaceObject: req.namespaceObject ?? null,
    request: { userInfo: { username: req.user ?? gmcUser } },
  };
  if (!policy.spec.matchConditions.every((c) => env.evaluate(c.expression, context) === true)) return undefined;
  const variables: Record<string, unknown> = {};
  for (const v of policy.spec.variables ?? []) variables[v.name] = env.evaluate(v.expression, { ...context, variables });
  return policy.spec.validations.filter((v) => env.evaluate(v.expression, { ...context, variables }) !== true).map((v) => v.message);
}

const namespace = (labels?: Labels, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'team-a', ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
});
const marker = { 'actions-gateway.github.com/tenant': 'true' };

let tenantGuard: Policy;
let psaGuard: Policy;
let objects: Manifest[];

beforeAll(async () => {
  objects = await kustomize(deployDir);
  tenantGuard = find<Policy>(objects, 'ValidatingAdmissionPolicy', 'gmc-tenant-resource-guard');
  psaGuard = find<Policy>(objects, 'ValidatingAdmissionPolicy', 'gmc-namespace-psa-guard');
});

describe('the policies and their bindings', () => {
  it('are bound with Deny, fail closed, and match only the GMC ServiceAccount of the shipped Deployment', () => {
    const deployment = find<Manifest & { spec: { template: { spec: { serviceAccountName: string } } } }>(objects, 'Deployment', 'gmc-controller-manager');
    expect(`system:serviceaccount:${deployment.metadata.namespace}:${deployment.spec.template.spec.serviceAccountName}`).toBe(gmcUser);
    for (const policy of [tenantGuard, psaGuard]) {
      const binding = find<Manifest & { spec: { policyName: string; validationActions: string[] } }>(objects, 'ValidatingAdmissionPolicyBinding', policy.metadata.name);
      expect(binding.spec).toMatchObject({ policyName: policy.metadata.name, validationActions: ['Deny'] });
      expect(policy.spec.failurePolicy).toBe('Fail');
      expect(admit(policy, { user: 'kubernetes-admin', object: namespace(), oldObject: namespace(), namespaceObject: namespace() })).toBeUndefined();
      for (const v of policy.spec.validations) expect(v.reason).toBe('Forbidden');
    }
  });
});

describe('gmc-tenant-resource-guard', () => {
  it('covers every kind the GMC writes in a tenant namespace', () => {
    const gateway = parse(readFileSync(join(deployDir, 'examples', 'tenant', 'actions-gateway.yaml'), 'utf8')) as ActionsGateway;
    gateway.metadata.uid = 'uid-1';
    const pair = { certPem: 'cert', keyPem: 'key' };
    const desired = buildGatewayDesiredState({
      gateway,
      agcImage: 'agc@sha256:1',
      proxyImage: 'proxy@sha256:1',
      gitHubCidrs: [],
      certificates: { proxy: pair, metricsServer: { ...pair, caPem: 'ca' }, metricsClient: { ...pair, caPem: 'ca' } },
    });
    const written = [...desired.objects.map((d) => d.object), ...desired.runnerGroups, ...buildTeardownPlan(gateway).deletes];
    const plural = (kind: string): string => (kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`).toLowerCase();
    const covered = (apiVersion: string, kind: string): boolean => {
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      return tenantGuard.spec.matchConstraints.resourceRules.some(
        (r) => r.apiGroups.includes(group!) && r.apiVersions.includes(version!) && r.resources.includes(plural(kind)) && ['CREATE', 'UPDATE', 'DELETE'].every((op) => r.operations.includes(op)),
      );
    };
    const kinds = [...new Set(written.map((o) => `${o.apiVersion} ${o.kind}`))];
    expect(kinds.length).toBeGreaterThanOrEqual(10);
    expect(kinds.filter((k) => !covered(...(k.split(' ') as [string, string])))).toEqual([]);
  });

  it('admits the GMC in a marked namespace and denies it anywhere else', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'team-a' } };
    expect(admit(tenantGuard, { object: secret, namespaceObject: namespace(marker) })).toEqual([]);
    for (const ns of [namespace(), namespace({ 'actions-gateway.github.com/tenant': 'false' }), namespace({ team: 'a' }), null]) {
      expect(admit(tenantGuard, { object: secret, namespaceObject: ns })).toEqual(['the GMC writes only in namespaces labelled actions-gateway.github.com/tenant=true']);
    }
  });
});

describe('gmc-namespace-psa-guard', () => {
  const psa = (profile: SecurityProfile): Labels => (buildNamespacePsaApply('team-a', profile) as { metadata: { labels: Labels } }).metadata.labels;

  it('admits the Pod Security labels core applies, and later changes of them, on a marked namespace', () => {
    const old = namespace({ ...marker, team: 'a' });
    expect(Object.keys(psa('baseline'))).toHaveLength(6);
    expect(admit(psaGuard, { oldObject: old, object: namespace({ ...marker, team: 'a', ...psa('baseline') }) })).toEqual([]);
    const labelled = namespace({ ...marker, team: 'a', ...psa('baseline') });
    expect(admit(psaGuard, { oldObject: labelled, object: namespace({ ...marker, team: 'a', ...psa('restricted') }) })).toEqual([]);
    expect(admit(psaGuard, { oldObject: labelled, object: namespace({ ...marker, team: 'a' }) })).toEqual([]);
  });

  it('denies an unmarked namespace, other labels, removing the marker, and annotation changes', () => {
    expect(admit(psaGuard, { oldObject: namespace(), object: namespace(psa('baseline')) })).toEqual(['the GMC labels only namespaces labelled actions-gateway.github.com/tenant=true']);
    const onlyPsa = 'the GMC may change only pod-security.kubernetes.io/ labels of a namespace';
    expect(admit(psaGuard, { oldObject: namespace(marker), object: namespace({ ...marker, team: 'b' }) })).toEqual([onlyPsa]);
    expect(admit(psaGuard, { oldObject: namespace({ ...marker, team: 'a' }), object: namespace({ ...marker, team: 'b' }) })).toEqual([onlyPsa]);
    expect(admit(psaGuard, { oldObject: namespace(marker), object: namespace(psa('baseline')) })).toEqual([onlyPsa]);
    expect(admit(psaGuard, { oldObject: namespace(marker, { owner: 'x' }), object: namespace(marker, { owner: 'y' }) })).toEqual(['the GMC may not change namespace annotations']);
    expect(admit(psaGuard, { oldObject: namespace(marker), object: namespace(marker, { owner: 'y' }) })).toEqual(['the GMC may not change namespace annotations']);
  });
});
