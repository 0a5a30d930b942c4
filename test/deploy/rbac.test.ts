// Least privilege, checked against the code: the real gmc runs against the testkit API server through a
// request recorder while it elects a leader, provisions the example tenant, refuses an invalid gateway (a
// Warning Event), refreshes the GitHub IP ranges and tears the tenant down. Every request it makes must be
// allowed by the shipped roles (gmc-manager-role, gmc-leader-election-role), and every verb those roles
// grant must have been used, except the few that Kubernetes checks without a request of that verb.
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { startGmc, type GmcProcess } from '@actions-gateway/operator';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type RbacRequest, type RequestRecorder, startRequestRecorder } from './request-recorder.js';
import { deployDir, find, kubectl, kustomize, type Manifest } from './support.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Granted verbs Kubernetes authorizes without the gmc sending a request of that verb, and why. */
const checkedWithoutARequest: Record<string, string> = {
  'actions-gateway.github.com actionsgateways/finalizers update':
    'OwnerReferencesPermissionEnforcement: setting blockOwnerDeletion on an ownerRef to the gateway',
  'rbac.authorization.k8s.io clusterroles bind': 'RBAC escalation check when the RoleBinding to agc-tenant-role is written',
  'events.k8s.io events patch': 'only a repeat of the same Event within the series window patches it',
};

let server: ApiServer;
let recorder: RequestRecorder;
let meta: Server;
let gmc: GmcProcess | undefined;
let dir: string;
let requests: RbacRequest[];
let managerRules: Rule[];
let leaseRules: Rule[];

const key = (group: string, resource: string, verb: string): string => `${group} ${resource} ${verb}`;
const stored = (apiVersion: string, kind: string, namespace: string, name?: string): Manifest[] =>
  (server.store.list(apiVersion, kind, namespace) as Manifest[]).filter((o) => name === undefined || o.metadata.name === name);

function allows(rules: readonly Rule[], r: RbacRequest): boolean {
  return rules.some(
    (rule) =>
      (rule.apiGroups.includes(r.group) || rule.apiGroups.includes('*')) &&
      (rule.resources.includes(r.resource) || rule.resources.includes('*')) &&
      (rule.verbs.includes(r.verb) || rule.verbs.includes('*')) &&
      (!rule.resourceNames || (r.name !== undefined && rule.resourceNames.includes(r.name))),
  );
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function must(args: string[], kubeconfig: string): Promise<void> {
  const r = await kubectl(args, kubeconfig);
  if (!r.ok) throw new Error(`kubectl ${args.join(' ')} failed:\n${r.out}`);
}

beforeAll(async () => {
  const rendered = await kustomize(deployDir);
  managerRules = find<Manifest & { rules: Rule[] }>(rendered, 'ClusterRole', 'gmc-manager-role').rules;
  leaseRules = find<Manifest & { rules: Rule[] }>(rendered, 'Role', 'gmc-leader-election-role').rules;

  server = await startApiServer({ kubelet: false, controllers: false });
  recorder = await startRequestRecorder(server.url);
  meta = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ api: ['192.30.252.0/22'], actions: ['4.148.0.0/16'], web: [] })));
  await new Promise<void>((r) => meta.listen(0, '127.0.0.1', r));
  dir = mkdtempSync(join(tmpdir(), 'deploy-rbac-'));
  const admin = join(dir, 'admin-kubeconfig');
  server.writeKubeconfig(admin);
  const gmcKubeconfig = join(dir, 'gmc-kubeconfig');
  writeFileSync(gmcKubeconfig, server.kubeconfigYaml.replace(server.url, recorder.url));

  // The cluster as an admin prepares it (not recorded): CRDs, the GMC namespace, the example tenant, and a
  // second tenant whose gateway names a PriorityClass the gmc does not allow.
  await must(['apply', '--server-side', '-k', join(deployDir, 'crds')], admin);
  await must(['apply', '--server-side', '-k', join(deployDir, 'examples', 'tenant')], admin);
  const invalid = {
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'ActionsGateway',
    metadata: { name: 'team-b', namespace: 'team-b' },
    spec: {
      gitHubAppRef: { name: 'team-b-github-app' },
      gitHubURL: 'https://github.com/team-b-org',
      runnerGroups: [{ name: 'cpu', runnerLabels: ['linux'], maxWorkers: 2, priorityTiers: [{ priorityClassName: 'not-allowed', threshold: 2 }], podTemplate: { spec: { containers: [] } } }],
    },
  };
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b', labels: { 'actions-gateway.github.com/tenant': 'true' } } };
  const gmcNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gmc-system' } };
  writeFileSync(join(dir, 'team-b.yaml'), [gmcNs, ns, invalid].map((o) => stringify(o)).join('---\n'));
  await must(['apply', '--server-side', '-f', join(dir, 'team-b.yaml')], admin);

  const started = await startGmc(
    [
      '--kubeconfig', gmcKubeconfig,
      '--leader-elect',
      '--metrics-bind-address', '127.0.0.1:0',
      '--health-probe-bind-address', '127.0.0.1:0',
      '--webhook-bind-address', '0',
      '--github-api-url', `http://127.0.0.1:${(meta.address() as AddressInfo).port}`,
      '--allowed-priority-classes', 'ci-high',
      '--zap-log-level', 'error',
    ],
    {
      POD_NAMESPACE: 'gmc-system',
      AGC_IMAGE: `ghcr.io/actions-gateway/agc:0.1.0@sha256:${'a'.repeat(64)}`,
      PROXY_IMAGE: `ghcr.io/actions-gateway/proxy:0.1.0@sha256:${'b'.repeat(64)}`,
    },
  );
  if ('help' in started) throw new Error('unexpected --help');
  gmc = started;

  const group = 'actions-gateway.github.com/v1alpha1';
  await until(() => stored('apps/v1', 'Deployment', 'team-a', 'actions-gateway-controller').length === 1, 'the AGC Deployment');
  await until(() => stored(group, 'RunnerGroup', 'team-a').length === 2, 'two RunnerGroups');
  await until(() => stored('events.k8s.io/v1', 'Event', 'team-b').length > 0, 'the InvalidSpec Event');
  await until(() => recorder.requests.some((r) => r.resource === 'networkpolicies' && r.verb === 'get'), 'the IP-range refresh reading a proxy policy');
  await must(['delete', 'actionsgateway', 'team-a', '-n', 'team-a', '--wait=false'], admin);
  await until(() => stored(group, 'ActionsGateway', 'team-a').length === 0, 'teardown of team-a', 30_000);
  await gmc.shutdown();
  gmc = undefined;
  requests = [...recorder.requests];
}, 90_000);

afterAll(async () => {
  await gmc?.shutdown();
  await recorder?.close();
  await new Promise<void>((r) => (meta ? meta.close(() => r()) : r()));
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the GMC roles against what the gmc does', () => {
  it('allow every request the gmc makes', () => {
    expect(requests.length).toBeGreaterThan(20);
    const denied = requests.filter((r) => !(r.group === 'coordination.k8s.io' ? r.namespace === 'gmc-system' && allows(leaseRules, r) : allows(managerRules, r)));
    expect([...new Set(denied.map((r) => `${key(r.group, r.resource, r.verb)} (${r.namespace ?? 'cluster'}/${r.name ?? '*'})`))]).toEqual([]);
  });

  it('grant nothing the gmc does not use', () => {
    const used = new Set(requests.map((r) => key(r.group, r.resource, r.verb)));
    const unused: string[] = [];
    for (const rule of [...managerRules, ...leaseRules]) {
      for (const group of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) {
        const k = key(group, resource, verb);
        if (!used.has(k) && !(k in checkedWithoutARequest)) unused.push(k);
      }
    }
    expect(unused).toEqual([]);
  });

  it('keep the leader-election Lease in the GMC namespace and touch no other Lease', () => {
    const leases = requests.filter((r) => r.resource === 'leases');
    expect(leases.map((r) => r.verb)).toEqual(expect.arrayContaining(['get', 'create', 'update']));
    expect(new Set(leases.map((r) => `${r.namespace}/${r.name ?? ''}`))).toEqual(new Set(['gmc-system/actions-gateway-gmc-leader', 'gmc-system/']));
  });
});
