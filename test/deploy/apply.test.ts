// The install on an API server: `kubectl apply --server-side -k deploy/` against the testkit API server
// (with stand-ins for cert-manager's CRDs, the install's prerequisite) yields the GMC's objects; then, with
// the caBundle filled in as cert-manager's CA injector would, the real gmc webhook server answers through
// the shipped ValidatingWebhookConfiguration and Service, admitting the example tenant and refusing a
// gateway in the GMC's own namespace.
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { generateServingCert, silentLogger, startWebhookServer, type RunningServer } from '@actions-gateway/operator';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { deployDir, find, fixturesDir, kubectl, kustomize, type Manifest } from './support.js';

let server: ApiServer;
let webhook: RunningServer;
let dir: string;
let kubeconfig: string;
let caPem: string;

const stored = (apiVersion: string, kind: string, name: string, namespace?: string): Manifest | undefined =>
  server.store.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) }) as Manifest | undefined;

beforeAll(async () => {
  // The webhook's serving cert names both the Service (as cert-manager issues it) and the loopback address
  // the testkit dials instead of cluster DNS.
  const cert = await generateServingCert(['webhook-service.gmc-system.svc', 'webhook-service.gmc-system.svc.cluster.local'], ['127.0.0.1']);
  caPem = cert.cert;
  webhook = await startWebhookServer({
    address: { host: '127.0.0.1', port: 0 },
    certificate: cert,
    policy: { reservedNamespaces: ['kube-system', 'kube-public', 'gmc-system'], allowedPriorityClasses: [] },
    logger: silentLogger,
  });
  server = await startApiServer({
    kubelet: false,
    controllers: false,
    resolveService: (namespace, name, port, path) =>
      namespace === 'gmc-system' && name === 'webhook-service' && port === 443 ? `https://127.0.0.1:${webhook.port}${path}` : undefined,
  });
  dir = mkdtempSync(join(tmpdir(), 'deploy-apply-'));
  kubeconfig = join(dir, 'kubeconfig');
  server.writeKubeconfig(kubeconfig);
  // Its own discovery cache, so the later kubectl runs discover the cert-manager group afresh.
  const crds = await kubectl(['--cache-dir', join(dir, 'fixture-cache'), 'apply', '--server-side', '-f', join(fixturesDir, 'cert-manager-crds.yaml')], kubeconfig);
  if (!crds.ok) throw new Error(`installing the cert-manager CRD stand-ins failed:\n${crds.out}`);
}, 60_000);

afterAll(async () => {
  await webhook?.close(0);
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl apply --server-side -k deploy/', () => {
  it('applies every rendered object and yields the GMC objects', async () => {
    const r = await kubectl(['apply', '--server-side', '-k', deployDir], kubeconfig);
    expect(r.out).not.toMatch(/error/i);
    expect(r.ok).toBe(true);
    const rendered = await kustomize(deployDir);
    for (const o of rendered) {
      expect(stored(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace), `${o.kind}/${o.metadata.name}`).toBeDefined();
    }
    const deployment = stored('apps/v1', 'Deployment', 'gmc-controller-manager', 'gmc-system') as Manifest & { spec: { replicas: number } };
    expect(deployment.spec.replicas).toBe(2);
    expect(stored('policy/v1', 'PodDisruptionBudget', 'gmc-controller-manager', 'gmc-system')).toBeDefined();
    expect(stored('networking.k8s.io/v1', 'NetworkPolicy', 'gmc-controller-manager', 'gmc-system')).toBeDefined();
    expect(stored('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'gmc-validating-webhook-configuration')).toBeDefined();
    expect(stored('rbac.authorization.k8s.io/v1', 'ClusterRole', 'agc-tenant-role')).toBeDefined();
    expect(stored('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'actionsgateways.actions-gateway.github.com')).toBeDefined();
    expect(stored('cert-manager.io/v1', 'Certificate', 'serving-cert', 'gmc-system')).toBeDefined();
  });

  it('is idempotent: a second apply changes nothing', async () => {
    const before = stored('apps/v1', 'Deployment', 'gmc-controller-manager', 'gmc-system')!.metadata as { resourceVersion?: string };
    const r = await kubectl(['apply', '--server-side', '-k', deployDir], kubeconfig);
    expect(r.ok, r.out).toBe(true);
    const after = stored('apps/v1', 'Deployment', 'gmc-controller-manager', 'gmc-system')!.metadata as { resourceVersion?: string };
    expect(after.resourceVersion).toBe(before.resourceVersion);
  });

  it('routes admission of the example tenant through the shipped webhook configuration to the gmc webhook', async () => {
    // What cert-manager's CA injector does for the cert-manager.io/inject-ca-from annotation.
    const vwc = find(await kustomize(deployDir), 'ValidatingWebhookConfiguration', 'gmc-validating-webhook-configuration');
    const patch = (vwc['webhooks'] as unknown[]).map((_, i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: Buffer.from(caPem).toString('base64') }));
    const injected = await kubectl(['patch', 'validatingwebhookconfiguration', vwc.metadata.name, '--type=json', '-p', JSON.stringify(patch)], kubeconfig);
    expect(injected.ok, injected.out).toBe(true);

    const tenant = await kubectl(['apply', '--server-side', '-k', join(deployDir, 'examples', 'tenant')], kubeconfig);
    expect(tenant.ok, tenant.out).toBe(true);
    const gateway = stored('actions-gateway.github.com/v1alpha1', 'ActionsGateway', 'team-a', 'team-a') as Manifest & { spec: { runnerGroups: unknown[] } };
    expect(gateway.spec.runnerGroups).toHaveLength(2);

    // A gateway in the GMC's namespace reaches the webhook, which refuses it: the Service, port and path line up.
    const reserved = { ...gateway, metadata: { name: 'sneaky', namespace: 'gmc-system' } };
    const reservedFile = join(dir, 'reserved.yaml');
    writeFileSync(reservedFile, stringify(reserved));
    const refused = await kubectl(['apply', '--server-side', '-f', reservedFile], kubeconfig);
    expect(refused.ok).toBe(false);
    expect(refused.out).toContain('vactionsgateway-v1alpha1.kb.io');
    expect(refused.out).toMatch(/reserved namespace/);
  });
});
