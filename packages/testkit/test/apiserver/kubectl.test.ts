// Conformance through the real kubectl: apply, get (JSON, tables, -w), patch, server-side apply, delete --wait, wait, selectors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/index.js';
import { startApiServer } from '../../src/index.js';
import { kubectl, kubectlBackground, until } from './kubectl.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let server: ApiServer;
let dir: string;
let kc: string;
const k = (...args: string[]) => kubectl(kc, args);

beforeAll(async () => {
  server = await startApiServer();
  dir = mkdtempSync(join(tmpdir(), 'ag-kubectl-'));
  kc = join(dir, 'kubeconfig');
  server.writeKubeconfig(kc);
  const crd = await k('apply', '-f', join(fixtures, 'widget-crd.yaml'));
  expect(crd).toMatchObject({ code: 0, stdout: 'customresourcedefinition.apiextensions.k8s.io/widgets.testkit.example.com created\n' });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('kubectl apply and get', () => {
  it('applies a CR from YAML; get -o json shows schema defaults; the table has the printer columns', async () => {
    expect(await k('apply', '-f', join(fixtures, 'widget.yaml'))).toMatchObject({ code: 0, stdout: 'widget.testkit.example.com/small created\n' });
    const json = JSON.parse((await k('get', 'widget', 'small', '-o', 'json')).stdout) as { spec: Record<string, unknown>; metadata: Record<string, unknown> };
    expect(json.spec).toEqual({ size: 3, owner: 'alice', maxSize: 10, mode: 'fast', labels: [] });
    expect(json.metadata.generation).toBe(1);
    const table = await k('get', 'widgets');
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+SIZE\s+PHASE\s+READY\s+AGE$/);
    expect(table.stdout.split('\n')[1]).toMatch(/^small\s+3\s+\d+s$/);
    // Short name and category resolve through discovery.
    expect((await k('get', 'wg', '-o', 'name')).stdout).toBe('widget.testkit.example.com/small\n');
    expect((await k('get', 'actions-gateway', '-o', 'name')).stdout).toBe('widget.testkit.example.com/small\n');
    // Re-applying a change goes through client-side apply's three-way merge patch.
    const changed = file('w2.yaml', 'apiVersion: testkit.example.com/v1\nkind: Widget\nmetadata:\n  name: small\n  labels:\n    tier: web\nspec:\n  size: 4\n  owner: alice\n');
    expect(await k('apply', '-f', changed)).toMatchObject({ code: 0, stdout: 'widget.testkit.example.com/small configured\n' });
    expect((await k('get', 'wg', 'small', '-o', 'jsonpath={.spec.size} {.metadata.generation}')).stdout).toBe('4 2');
  });

  it('shows pods with READY and STATUS from the kubelet simulator, and namespaces with STATUS', async () => {
    const pod = file('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  containers:\n  - name: main\n    image: nginx:1.27\n');
    expect((await k('apply', '-f', pod)).code).toBe(0);
    expect(await k('wait', '--for=condition=Ready', 'pod/web', '--timeout=10s')).toMatchObject({ code: 0, stdout: 'pod/web condition met\n' });
    const table = (await k('get', 'pods', '-l', 'app=web')).stdout.split('\n');
    expect(table[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(table[1]).toMatch(/^web\s+1\/1\s+Running\s+0\s+\d+s$/);
    expect((await k('get', 'ns', 'default')).stdout).toMatch(/^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+\d+s\n$/);
  });

  it('selects by label (equality and set-based)', async () => {
    for (const [name, tier] of [['l1', 'a'], ['l2', 'b'], ['l3', 'c']]) {
      expect((await kubectl(kc, ['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name!}\n`)).code).toBe(0);
      expect((await k('label', 'configmap', name!, `tier=${tier!}`)).code).toBe(0);
    }
    expect((await k('get', 'cm', '-l', 'tier=a', '-o', 'name')).stdout).toBe('configmap/l1\n');
    expect((await k('get', 'cm', '-l', 'tier in (b,c)', '-o', 'name')).stdout).toBe('configmap/l2\nconfigmap/l3\n');
    expect((await k('get', 'cm', '-l', 'tier,tier notin (a)', '-o', 'name')).stdout).toBe('configmap/l2\nconfigmap/l3\n');
  });
});

describe('kubectl patch and server-side apply', () => {
  it('patches a Deployment with merge, json and strategic patches', async () => {
    const deploy = file('deploy.yaml', [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  replicas: 1', '  selector:', '    matchLabels: {app: web-d}', '  template:',
      '    metadata:', '      labels: {app: web-d}', '    spec:', '      containers:', '      - name: nginx', '        image: nginx:1.27', '',
    ].join('\n'));
    expect((await k('apply', '-f', deploy)).code).toBe(0);
    expect((await k('patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":2}}')).stdout).toBe('deployment.apps/web patched\n');
    expect((await k('patch', 'deployment', 'web', '--type', 'json', '-p', '[{"op":"add","path":"/metadata/labels","value":{"team":"x"}},{"op":"replace","path":"/metadata/labels/team","value":"x"}]')).code).toBe(0);
    const strategic = await k('patch', 'deployment', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1"}]}}}}');
    expect(strategic.code).toBe(0);
    const d = JSON.parse((await k('get', 'deploy', 'web', '-o', 'json')).stdout) as { spec: { replicas: number; template: { spec: { containers: { name: string }[] } } }; metadata: { labels: Record<string, string> } };
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.labels.team).toBe('x');
    expect(d.spec.template.spec.containers.map((c) => c.name)).toEqual(['nginx', 'sidecar']);
    expect(await k('rollout', 'status', 'deployment/web', '--timeout=10s')).toMatchObject({ code: 0 });
    expect((await k('get', 'deploy', 'web', '-o', 'jsonpath={.status.readyReplicas}')).stdout).toBe('2');
  });

  it('rejects a strategic merge patch on a custom resource (415) and patches its status subresource', async () => {
    const bad = await k('patch', 'wg', 'small', '--type', 'strategic', '-p', '{"spec":{"size":5}}');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/application\/strategic-merge-patch\+json is not supported/);
    const st = await k('patch', 'wg', 'small', '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}');
    expect(st.code).toBe(0);
    expect((await k('get', 'wg', 'small')).stdout.split('\n')[1]).toMatch(/^small\s+4\s+Running\s+True\s+\d+s$/);
  });

  it('server-side apply: creates, conflicts with another manager (409), and --force-conflicts takes over', async () => {
    const cm = file('ssa.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: one\n');
    expect(await k('apply', '--server-side', '-f', cm)).toMatchObject({ code: 0, stdout: 'configmap/ssa serverside-applied\n' });
    const other = file('ssa2.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: two\n');
    const clash = await k('apply', '--server-side', '--field-manager', 'other', '-f', other);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toMatch(/Apply failed with 1 conflict: conflict with "kubectl": \.data\.k/);
    expect((await k('apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', other)).code).toBe(0);
    expect((await k('get', 'cm', 'ssa', '-o', 'jsonpath={.data.k}')).stdout).toBe('two');
  });
});

describe('kubectl watch, wait and delete', () => {
  it('get -w streams events as they happen', async () => {
    const w = kubectlBackground(kc, ['get', 'configmaps', '-w', '--output-watch-events']);
    try {
      await until(() => /ADDED\s+ssa\s+1\s/.test(w.output()), 'initial list');
      expect((await kubectl(kc, ['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n')).code).toBe(0);
      await until(() => /ADDED\s+watched\s+0\s/.test(w.output()), 'watch event');
      expect((await k('delete', 'configmap', 'watched')).code).toBe(0);
      await until(() => /DELETED\s+watched\s/.test(w.output()), 'delete event');
      expect(w.output().split('\n')[0]).toMatch(/^EVENT\s+NAME\s+DATA\s+AGE$/);
    } finally {
      w.child.kill();
    }
  });

  it('wait --for=condition returns once the condition is set', async () => {
    const w = kubectlBackground(kc, ['wait', '--for=condition=Degraded', 'widget/small', '--timeout=15s']);
    const objects = server.kubeConfig.makeApiClient(CustomObjectsApi);
    await objects.patchNamespacedCustomObjectStatus(
      { group: 'testkit.example.com', version: 'v1', namespace: 'default', plural: 'widgets', name: 'small', body: { status: { conditions: [{ type: 'Degraded', status: 'True' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await w.exited).toBe(0);
    expect(w.output()).toBe('widget.testkit.example.com/small condition met\n');
  });

  it('delete --wait blocks on a finalizer until the test releases it', async () => {
    const obj = file('fin.yaml', 'apiVersion: testkit.example.com/v1\nkind: Widget\nmetadata:\n  name: held\n  finalizers: [testkit.example.com/hold]\nspec:\n  size: 1\n');
    expect((await k('apply', '-f', obj)).code).toBe(0);
    const del = kubectlBackground(kc, ['delete', 'widget', 'held', '--wait', '--timeout=15s']);
    const ref = { apiVersion: 'testkit.example.com/v1', kind: 'Widget', namespace: 'default', name: 'held' };
    await until(() => !!(server.store.get(ref)?.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp, 'deletionTimestamp');
    expect(server.store.get(ref)).toBeDefined();
    const objects = server.kubeConfig.makeApiClient(CustomObjectsApi);
    await objects.patchNamespacedCustomObject(
      { group: 'testkit.example.com', version: 'v1', namespace: 'default', plural: 'widgets', name: 'held', body: [{ op: 'remove', path: '/metadata/finalizers' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(await del.exited).toBe(0);
    expect(del.output()).toBe('widget.testkit.example.com "held" deleted\n');
    expect(server.store.get(ref)).toBeUndefined();
  });
});

describe('bad input gets a real Status', () => {
  it('schema violations: 422 Invalid with every cause; unknown fields: 400 strict decoding error', async () => {
    const bad = file('bad.yaml', 'apiVersion: testkit.example.com/v1\nkind: Widget\nmetadata:\n  name: big\nspec:\n  size: 30\n  labels: ["Bad"]\n');
    const r = await k('apply', '-f', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Widget "big" is invalid: ');
    expect(r.stderr).toContain('spec: Invalid value: "object": size must not exceed maxSize');
    expect(r.stderr).toContain('spec.labels: Invalid value: "object": labels must be lowercase words');
    // A schema error that makes the object unreadable (bad enum or type) skips the CEL pass, as the real server does.
    const enumBad = file('enum.yaml', 'apiVersion: testkit.example.com/v1\nkind: Widget\nmetadata:\n  name: big\nspec:\n  size: 30\n  mode: medium\n');
    const e = await k('apply', '-f', enumBad);
    expect(e.stderr).toContain('spec.mode: Unsupported value: "medium": supported values: "fast", "slow"');
    expect(e.stderr).toContain('some validation rules were not checked because the object was invalid');
    expect(e.stderr).not.toContain('size must not exceed maxSize');
    const unknown = file('unknown.yaml', 'apiVersion: testkit.example.com/v1\nkind: Widget\nmetadata:\n  name: u\nspec:\n  size: 1\n  bogus: 1\n');
    const u = await k('apply', '-f', unknown);
    expect(u.stderr).toMatch(/Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"/);
  });

  it('fieldValidation=Warn accepts with a Warning header and prunes; Ignore prunes silently', async () => {
    const post = (mode: string, name: string) =>
      fetch(`${server.url}/apis/testkit.example.com/v1/namespaces/default/widgets?fieldValidation=${mode}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'testkit.example.com/v1', kind: 'Widget', metadata: { name }, spec: { size: 1, extra: true } }),
      });
    const warn = await post('Warn', 'warned');
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"spec.extra\\""');
    expect(((await warn.json()) as { spec: Record<string, unknown> }).spec.extra).toBeUndefined();
    const ignore = await post('Ignore', 'ignored');
    expect(ignore.status).toBe(201);
    expect(ignore.headers.get('warning')).toBeNull();
  });

  it('transition rules: oldSelf makes a field immutable', async () => {
    const r = await k('patch', 'wg', 'small', '--type', 'merge', '-p', '{"spec":{"owner":"bob"}}');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Widget "small" is invalid: spec.owner: Invalid value: "string": owner is immutable');
  });

  it('a CRD whose CEL rule cannot be compiled is refused with 422 naming the rule', async () => {
    const crd = file('bad-crd.yaml', [
      'apiVersion: apiextensions.k8s.io/v1', 'kind: CustomResourceDefinition', 'metadata:', '  name: gadgets.testkit.example.com', 'spec:', '  group: testkit.example.com',
      '  scope: Namespaced', '  names: {plural: gadgets, singular: gadget, kind: Gadget}', '  versions:', '  - name: v1', '    served: true', '    storage: true', '    schema:',
      '      openAPIV3Schema:', '        type: object', '        x-kubernetes-validations:', '        - rule: "self.spec.frobnicate()"', '        properties:', '          spec: {type: object}', '',
    ].join('\n'));
    const r = await k('apply', '-f', crd);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The CustomResourceDefinition "gadgets.testkit.example.com" is invalid: ');
    expect(r.stderr).toContain('Invalid value: "self.spec.frobnicate()": compilation failed');
    expect((await k('get', 'crd', 'gadgets.testkit.example.com')).code).toBe(1);
  });

  it('malformed JSON (400), an unknown kind (404), a wrong method (405) and an oversize body (413)', async () => {
    const malformed = file('bad.json', '{"metadata": {"name": ');
    const r = await k('create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', malformed);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/couldn't get version\/kind; json parse error/);
    const unknown = await k('get', 'frobs');
    expect(unknown.stderr).toMatch(/the server doesn't have a resource type "frobs"/);
    const h = { 'content-type': 'application/json' };
    const notFound = await fetch(`${server.url}/apis/nope.example.com/v1/namespaces/default/things`, { method: 'POST', headers: h, body: '{}' });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    const wrong = await fetch(`${server.url}/api/v1/namespaces/default/configmaps/x`, { method: 'POST', headers: h, body: '{}' });
    expect(wrong.status).toBe(405);
    expect(await wrong.json()).toMatchObject({ reason: 'MethodNotAllowed' });
    const big = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: h, body: JSON.stringify({ metadata: { name: 'big' }, data: { x: 'y'.repeat(4 * 1024 * 1024) } }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' });
    // kubectl's imperative `create <kind>` sends protobuf, which this server does not decode: a clear 415, not a crash.
    const proto = await k('create', 'configmap', 'pb');
    expect(proto.stderr).toMatch(/unknown format - accepted media types include: application\/json, application\/yaml \(got application\/vnd.kubernetes.protobuf\)/);
    // The server is still serving after all of that.
    expect((await k('get', 'ns', 'default', '-o', 'name')).stdout).toBe('namespace/default\n');
  });
});
