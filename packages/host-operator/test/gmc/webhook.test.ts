// Posts AdmissionReview v1 requests to the real HTTPS webhook for every case of core's invalid-CR corpus
// (the same files the kubectl-driven test replays once the testkit API server calls webhooks).
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH, generateServingCert, silentLogger, startWebhookServer, type RunningServer } from '../../src/index.js';
import { corpusIndex, loadCorpusObject, withOverrides } from '../support/corpus.js';

const index = corpusIndex;
const load = loadCorpusObject;


let server: RunningServer;
let ca: string;

beforeAll(async () => {
  const pair = await generateServingCert(['localhost'], ['127.0.0.1']);
  ca = pair.cert;
  server = await startWebhookServer({
    address: { host: '127.0.0.1', port: 0 },
    certificate: pair,
    policy: { reservedNamespaces: index.context.reservedNamespaces, allowedPriorityClasses: index.context.allowedPriorityClasses },
    logger: silentLogger,
  });
});
afterAll(() => server.close());

function post(body: string, path = WEBHOOK_PATH): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'POST', ca, servername: 'localhost', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Reviewed {
  response: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
}

async function review(object: unknown, operation = 'CREATE', oldObject?: unknown): Promise<Reviewed> {
  const meta = (object as { metadata?: { namespace?: string } }).metadata;
  const res = await post(
    JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', operation, namespace: meta?.namespace, object, oldObject } }),
  );
  expect(res.status).toBe(200);
  return JSON.parse(res.text) as Reviewed;
}

describe('validating webhook over HTTPS', () => {
  it('admits the valid sample', async () => {
    const r = await review(load(index.valid));
    expect(r.response).toMatchObject({ uid: 'u-1', allowed: true });
  });

  it(`rejects each of the ${index.cases.length} corpus cases with a message naming the field`, async () => {
    expect(index.cases.length).toBeGreaterThanOrEqual(20);
    for (const c of index.cases) {
      const obj = load(c.file);
      const r = await review(obj, c.operation ?? 'CREATE', c.before ? withOverrides(obj, c.before) : undefined);
      expect(r.response.allowed, c.file).toBe(false);
      expect(r.response.status?.code, c.file).toBe(403);
      for (const e of c.expect) expect(r.response.status?.message, c.file).toContain(`[${e.rule}]`);
      const field = c.expect[0]!.path.split(/[.[]/).pop()!;
      expect(r.response.status?.message, c.file).toContain(field);
    }
  });

  it('returns warnings as admission warnings without rejecting', async () => {
    const obj = withOverrides(load(index.valid), { 'spec.proxy': { resources: { requests: { memory: '64Mi' } } } });
    const r = await review(obj);
    expect(r.response.allowed).toBe(true);
    expect(r.response.warnings?.join('\n')).toMatch(/cpu/);
  });

  it('allows DELETE and answers 400 to a body that is not an AdmissionReview', async () => {
    expect((await review(load(index.valid), 'DELETE')).response.allowed).toBe(true);
    const bad = await post('{"kind":"Pod"}');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('AdmissionReview');
    expect((await post('not json')).status).toBe(400);
    expect((await post('{}', '/elsewhere')).status).toBe(404);
  });
});
