// Admission: ResourceQuota (403 exceeded quota, status.used), LimitRange defaults, validating webhooks over HTTPS.
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AdmissionregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/index.js';
import { createTestCertificates, startApiServer } from '../../src/index.js';
import { until } from './kubectl.js';

let server: ApiServer;
let core: CoreV1Api;
beforeAll(async () => {
  server = await startApiServer({ kubelet: false });
  core = server.kubeConfig.makeApiClient(CoreV1Api);
});
afterAll(async () => server.close());

const pod = (name: string, ns: string, resources: Record<string, Record<string, string>> = {}, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'main', image: 'busybox:1', resources }] },
});

async function failure(p: Promise<unknown>): Promise<{ code: number; body: { reason: string; message: string } }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: number; body: string };
    return { code: err.code, body: JSON.parse(err.body) as { reason: string; message: string } };
  }
  throw new Error('expected the call to fail');
}

describe('ResourceQuota', () => {
  it('counts pods and resources, keeps status.used, and refuses with the real exceeded-quota message', async () => {
    await core.createNamespace({ body: { metadata: { name: 'q' } } });
    await core.createNamespacedResourceQuota({
      namespace: 'q',
      body: { metadata: { name: 'compute' }, spec: { hard: { pods: '2', 'requests.cpu': '1', 'limits.memory': '1Gi', 'requests.nvidia.com/gpu': '1' } } },
    });
    const res = { requests: { cpu: '500m' }, limits: { memory: '512Mi' } };
    await core.createNamespacedPod({ namespace: 'q', body: pod('a', 'q', res) });
    await until(() => JSON.stringify((server.store.get({ apiVersion: 'v1', kind: 'ResourceQuota', namespace: 'q', name: 'compute' })?.status as { used?: unknown })?.used) === JSON.stringify({ pods: '1', 'requests.cpu': '500m', 'limits.memory': '512Mi', 'requests.nvidia.com/gpu': '0' }), 'status.used');
    const tooMuch = await failure(core.createNamespacedPod({ namespace: 'q', body: pod('b', 'q', { requests: { cpu: '600m' }, limits: { memory: '256Mi' } }) }));
    expect(tooMuch.code).toBe(403);
    expect(tooMuch.body.reason).toBe('Forbidden');
    expect(tooMuch.body.message).toBe('pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1');
    const gpu = await failure(core.createNamespacedPod({ namespace: 'q', body: pod('g', 'q', { requests: { cpu: '100m' }, limits: { memory: '1Mi', 'nvidia.com/gpu': '2' } }) }));
    expect(gpu.body.message).toBe('pods "g" is forbidden: exceeded quota: compute, requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=1');
    const unspecified = await failure(core.createNamespacedPod({ namespace: 'q', body: pod('u', 'q') }));
    expect(unspecified.body.message).toBe('pods "u" is forbidden: failed quota: compute: must specify limits.memory,requests.cpu');
    await core.createNamespacedPod({ namespace: 'q', body: pod('c', 'q', res) });
    const count = await failure(core.createNamespacedPod({ namespace: 'q', body: pod('d', 'q', { requests: { cpu: '1m' }, limits: { memory: '1Mi' } }) }));
    // Every exceeded resource is listed, sorted, as the real message does.
    expect(count.body.message).toBe(
      'pods "d" is forbidden: exceeded quota: compute, requested: limits.memory=1Mi,pods=1,requests.cpu=1m, used: limits.memory=1Gi,pods=2,requests.cpu=1, limited: limits.memory=1Gi,pods=2,requests.cpu=1',
    );
  });
});

describe('LimitRange', () => {
  it('fills container limits and requests from defaults and enforces max', async () => {
    await core.createNamespace({ body: { metadata: { name: 'lr' } } });
    await core.createNamespacedLimitRange({
      namespace: 'lr',
      body: { metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', _default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '2' } }] } },
    });
    const p = await core.createNamespacedPod({ namespace: 'lr', body: pod('p', 'lr') });
    expect(p.spec?.containers[0]?.resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    const own = await core.createNamespacedPod({ namespace: 'lr', body: { metadata: { name: 'own' }, spec: { containers: [{ name: 'm', image: 'x:1', resources: { limits: { memory: '64Mi' } } }] } } });
    expect(own.spec?.containers[0]?.resources).toEqual({ limits: { memory: '64Mi', cpu: '500m' }, requests: { memory: '64Mi', cpu: '100m' } });
    const big = await failure(core.createNamespacedPod({ namespace: 'lr', body: pod('big', 'lr', { limits: { cpu: '4' } }) }));
    expect(big.code).toBe(403);
    expect(big.body.message).toBe('pods "big" is forbidden: maximum cpu usage per Container is 2, but limit is 4');
  });
});

describe('ValidatingWebhookConfiguration', () => {
  let hook: Server;
  let hookUrl: string;
  let ca: string;
  const reviews: { request: { operation: string; name: string; object: { metadata: { labels?: Record<string, string> } } } }[] = [];
  let delayMs = 0;

  beforeAll(async () => {
    const certs = await createTestCertificates(['127.0.0.1']);
    ca = certs.caPem;
    hook = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const review = JSON.parse(body) as (typeof reviews)[number] & { request: { uid: string } };
        reviews.push(review);
        const allowed = review.request.object?.metadata?.labels?.deny !== 'yes';
        const mutate = req.url === '/mutate' ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels/stamped', value: 'yes' }])).toString('base64') } : {};
        const answer = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed, ...mutate, ...(allowed ? { warnings: ['looked fine'] } : { status: { code: 403, message: 'label deny=yes is not allowed' } }) } };
        setTimeout(() => res.end(JSON.stringify(answer)), delayMs);
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `https://127.0.0.1:${(hook.address() as AddressInfo).port}/validate`;
  });
  afterAll(() => new Promise<void>((r) => hook.close(() => r())));

  const config = (name: string, url: string, failurePolicy: string, timeoutSeconds = 2) => ({
    metadata: { name },
    webhooks: [{
      name: `${name}.testkit.example.com`,
      clientConfig: { url, caBundle: Buffer.from(ca).toString('base64') },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: 'Namespaced' }],
      failurePolicy,
      timeoutSeconds,
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      objectSelector: { matchExpressions: [{ key: 'hooked', operator: 'Exists' }] },
    }],
  });

  it('sends an AdmissionReview v1 over HTTPS trusting the caBundle; denials come back with the webhook message', async () => {
    const admission = server.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    await admission.createValidatingWebhookConfiguration({ body: config('policy', hookUrl, 'Fail') });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'ok', labels: { hooked: '1' } } } });
    expect(reviews.at(-1)?.request).toMatchObject({ operation: 'CREATE', name: 'ok' });
    const denied = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'no', labels: { hooked: '1', deny: 'yes' } } } }));
    expect(denied.code).toBe(403);
    expect(denied.body.message).toBe('admission webhook "policy.testkit.example.com" denied the request: label deny=yes is not allowed');
    const before = reviews.length;
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'unhooked' } } });
    expect(reviews.length).toBe(before);
    // A timeout under failurePolicy Fail refuses the request.
    delayMs = 1500;
    await admission.patchValidatingWebhookConfiguration({ name: 'policy', body: [{ op: 'replace', path: '/webhooks/0/timeoutSeconds', value: 1 }] });
    const slow = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'slow', labels: { hooked: '1' } } } }));
    expect(slow.code).toBe(500);
    expect(slow.body.message).toMatch(/^Internal error occurred: failed calling webhook "policy.testkit.example.com": failed to call webhook: Post ".*": context deadline exceeded$/);
    delayMs = 0;
    await admission.deleteValidatingWebhookConfiguration({ name: 'policy' });
  });

  it('applies a mutating webhook\'s JSONPatch before validation', async () => {
    const admission = server.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    await admission.createMutatingWebhookConfiguration({ body: config('stamp', hookUrl.replace('/validate', '/mutate'), 'Fail') });
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'stamped', labels: { hooked: '1' } } } });
    expect(created.metadata?.labels).toEqual({ hooked: '1', stamped: 'yes' });
    await admission.deleteMutatingWebhookConfiguration({ name: 'stamp' });
  });

  it('honours failurePolicy: an unreachable webhook refuses under Fail and is skipped under Ignore', async () => {
    const admission = server.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    await admission.createValidatingWebhookConfiguration({ body: config('down', 'https://127.0.0.1:1/validate', 'Fail') });
    const refused = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x1', labels: { hooked: '1' } } } }));
    expect(refused.code).toBe(500);
    expect(refused.body.message).toMatch(/failed calling webhook "down.testkit.example.com"/);
    await admission.patchValidatingWebhookConfiguration({ name: 'down', body: [{ op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Ignore' }] });
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x2', labels: { hooked: '1' } } } });
    expect(created.metadata?.name).toBe('x2');
  });
});
