// The example overlays the install guide points at: the production overlay's images and flags go through the
// gmc's own parser; the no-cert-manager overlay carries no cert-manager object and, with a real CA in its
// caBundle, applies server-side to an API server that has no cert-manager CRDs. The monitoring component
// composes with the install.
import { generateServingCert, parseGmcConfig } from '@actions-gateway/operator';
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { deployDir, find, kubectl, kustomize, type Manifest } from './support.js';

const examples = join(deployDir, 'examples');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-overlays-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Deployment extends Manifest {
  spec: { template: { spec: { containers: { image: string; args: string[]; env: { name: string; valueFrom?: { configMapKeyRef?: { name: string; key: string } } }[] }[] } } };
}

describe('deploy/examples/production', () => {
  it('pins the three images and allows the listed priority classes, as the gmc parses them', async () => {
    const objects = await kustomize(join(examples, 'production'));
    const manager = find<Deployment>(objects, 'Deployment', 'gmc-controller-manager').spec.template.spec.containers[0]!;
    const env: Record<string, string> = { POD_NAMESPACE: 'gmc-system' };
    for (const e of manager.env) {
      const ref = e.valueFrom?.configMapKeyRef;
      if (ref) env[e.name] = find<Manifest & { data: Record<string, string> }>(objects, 'ConfigMap', ref.name).data[ref.key]!;
    }
    const config = parseGmcConfig(manager.args, env);
    if ('help' in config) throw new Error('unexpected --help');
    expect(config.allowedPriorityClasses).toEqual(['ci-high', 'ci-low']);
    expect(config.agcImage).toContain('@sha256:2222');
    expect(config.proxyImage).toContain('@sha256:3333');
    expect(manager.image).toContain('@sha256:1111');
    expect(objects.filter((o) => o.kind === 'ConfigMap')).toHaveLength(1);
  });
});

describe('deploy/examples/without-cert-manager', () => {
  let server: ApiServer;
  afterAll(async () => server?.close());

  it('has no cert-manager object or annotation and applies to a cluster without cert-manager', async () => {
    const objects = await kustomize(join(examples, 'without-cert-manager'));
    expect(objects.filter((o) => o.apiVersion.startsWith('cert-manager.io/'))).toEqual([]);
    const vwc = find(objects, 'ValidatingWebhookConfiguration', 'gmc-validating-webhook-configuration');
    expect(vwc.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBeUndefined();
    const ca = await generateServingCert(['webhook-service.gmc-system.svc']);
    const hooks = vwc['webhooks'] as { clientConfig: { caBundle?: string } }[];
    expect(hooks[0]!.clientConfig.caBundle).toBe('REPLACE_WITH_BASE64_OF_YOUR_CA_PEM');
    hooks[0]!.clientConfig.caBundle = Buffer.from(ca.cert).toString('base64');

    server = await startApiServer({ kubelet: false, controllers: false });
    const kubeconfig = join(dir, 'kubeconfig');
    server.writeKubeconfig(kubeconfig);
    const file = join(dir, 'without-cert-manager.yaml');
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    const r = await kubectl(['apply', '--server-side', '-f', file], kubeconfig);
    expect(r.ok, r.out).toBe(true);
    const stored = server.store.get({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', name: 'gmc-validating-webhook-configuration' }) as { webhooks: { clientConfig: { caBundle: string } }[] };
    expect(Buffer.from(stored.webhooks[0]!.clientConfig.caBundle, 'base64').toString()).toBe(ca.cert);
  });
});

describe('deploy/monitoring', () => {
  it('renders on its own and composes with the install as a component', async () => {
    const alone = await kustomize(join(deployDir, 'monitoring'));
    expect(alone.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'PrometheusRule', 'ServiceMonitor', 'ServiceMonitor']);
    const overlay = join(dir, 'with-monitoring');
    mkdirSync(overlay);
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [relative(overlay, join(deployDir, 'crds')), relative(overlay, join(deployDir, 'gmc'))],
        components: [relative(overlay, join(deployDir, 'monitoring'))],
      }),
    );
    const composed = await kustomize(overlay);
    const install = await kustomize(deployDir);
    expect(composed).toHaveLength(install.length + alone.length);
    find(composed, 'ServiceMonitor', 'actions-gateway');
    find(composed, 'ServiceMonitor', 'actions-gateway-gmc');
    find(composed, 'Deployment', 'gmc-controller-manager');
  });
});
