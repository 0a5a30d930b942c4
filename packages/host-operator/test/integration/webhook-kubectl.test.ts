// `kubectl apply` of core's invalid-CR corpus through the testkit API server, which calls the real gmc
// webhook over HTTPS (ValidatingWebhookConfiguration with url + caBundle): every case is refused with a
// message naming the field; the valid sample is accepted.
import { crdManifests } from '@actions-gateway/core';
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { WEBHOOK_PATH, generateServingCert, silentLogger, startWebhookServer, type RunningServer } from '../../src/index.js';
import { corpusDir, corpusIndex, loadCorpusObject, withOverrides } from '../support/corpus.js';

const corpus = corpusDir;
const index = corpusIndex;
const run = promisify(execFile);
let server: ApiServer;
let webhook: RunningServer;
let dir: string;
let kubeconfig: string;

async function kubectl(...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
    return { ok: true, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}


beforeAll(async () => {
  server = await startApiServer({ kubelet: false, controllers: false });
  dir = mkdtempSync(join(tmpdir(), 'gmc-webhook-'));
  kubeconfig = join(dir, 'kubeconfig');
  server.writeKubeconfig(kubeconfig);
  const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  }
  const core = server.kubeConfig.makeApiClient(CoreV1Api);
  for (const ns of ['team-a', 'gmc-system', 'other']) await core.createNamespace({ body: { metadata: { name: ns } } });
  const cert = await generateServingCert(['localhost'], ['127.0.0.1']);
  webhook = await startWebhookServer({
    address: { host: '127.0.0.1', port: 0 },
    certificate: cert,
    policy: { reservedNamespaces: ['kube-system', 'kube-public', 'gmc-system'], allowedPriorityClasses: index.context.allowedPriorityClasses },
    logger: silentLogger,
  });
  await objects.create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'gmc-validating-webhook-configuration' },
    webhooks: [
      {
        name: 'vactionsgateway-v1alpha1.kb.io',
        clientConfig: { url: `https://127.0.0.1:${webhook.port}${WEBHOOK_PATH}`, caBundle: Buffer.from(cert.cert).toString('base64') },
        rules: [{ apiGroups: ['actions-gateway.github.com'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['actionsgateways'] }],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      },
    ],
  } as KubernetesObject);
}, 60_000);
afterAll(async () => {
  await webhook?.close();
  await server?.close();
});

describe('kubectl apply through the validating webhook', () => {
  it('accepts the valid sample', async () => {
    const r = await kubectl('apply', '-f', join(corpus, index.valid));
    expect(r.out).toContain('created');
    expect(r.ok).toBe(true);
  });

  it(`refuses each of the ${index.cases.length} invalid CRs with a message naming the field`, async () => {
    expect(index.cases.length).toBeGreaterThanOrEqual(20);
    const policyRules = new Set(['reservedNamespace', 'crossNamespaceReference', 'url', 'privileged', 'priorityClassNotAllowed', 'profileDowngrade']);
    let deniedByWebhook = 0;
    for (const c of index.cases) {
      const obj = loadCorpusObject(c.file);
      if (c.before) {
        const first = join(dir, `before-${c.file}`);
        writeFileSync(first, stringify(withOverrides(obj, c.before)));
        const created = await kubectl('apply', '-f', first);
        expect(created.ok, `${c.file} (before): ${created.out}`).toBe(true);
      }
      const r = await kubectl('apply', '-f', join(corpus, c.file));
      expect(r.ok, `${c.file}: ${r.out}`).toBe(false);
      const field = c.expect[0]!.path.split(/[.[]/).pop()!;
      expect(r.out, c.file).toContain(field);
      // Refused by the webhook (or, for schema rules, by the CRD's own validation before it).
      expect(r.out, c.file).toMatch(/denied the request|is invalid|Invalid value|Unsupported value|Required value|must/);
      const byWebhook = r.out.includes('admission webhook "vactionsgateway-v1alpha1.kb.io" denied the request');
      if (byWebhook) deniedByWebhook++;
      // Rules only the webhook knows (no schema equivalent) must have been refused by it.
      if (c.expect.every((e) => policyRules.has(e.rule))) expect(byWebhook, `${c.file}: ${r.out}`).toBe(true);
    }
    expect(deniedByWebhook).toBeGreaterThanOrEqual(10);
  }, 120_000);
});
