// Malformed requests of every shape get a Status with the right code; none crashes the server or hangs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/index.js';
import { startApiServer } from '../../src/index.js';

let server: ApiServer;
beforeAll(async () => {
  server = await startApiServer({ kubelet: false });
  await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"metadata":{"name":"c"}}' });
});
afterAll(async () => server.close());

const cm = '/api/v1/namespaces/default/configmaps';
const cases: [string, string, string, string | undefined, number][] = [
  ['array body on create', 'POST', cm, '[]', 400],
  ['string body on create', 'POST', cm, '"x"', 400],
  ['null body on create', 'POST', cm, 'null', 400],
  ['empty body on create', 'POST', cm, '', 400],
  ['truncated JSON', 'POST', cm, '{"metadata":', 400],
  ['metadata not an object', 'POST', cm, '{"metadata":"x"}', 422],
  ['wrong kind in body', 'POST', cm, '{"kind":"Secret","metadata":{"name":"k"}}', 400],
  ['namespace mismatch', 'POST', cm, '{"metadata":{"name":"k","namespace":"other"}}', 400],
  ['name mismatch on PUT', 'PUT', `${cm}/c`, '{"metadata":{"name":"d"}}', 400],
  ['array body on PUT', 'PUT', `${cm}/c`, '[1]', 400],
  ['JSON patch that is not a list', 'PATCH:application/json-patch+json', `${cm}/c`, '{"op":"add"}', 400],
  ['JSON patch with a bad pointer', 'PATCH:application/json-patch+json', `${cm}/c`, '[{"op":"add","path":"nope","value":1}]', 400],
  ['unknown patch content type', 'PATCH:text/plain', `${cm}/c`, '{}', 415],
  ['merge patch that is not an object', 'PATCH:application/merge-patch+json', `${cm}/c`, '[1,2]', 400],
  ['apply patch without fieldManager', 'PATCH:application/apply-patch+yaml', `${cm}/c`, 'apiVersion: v1\nkind: ConfigMap\n', 400],
  ['apply patch of broken YAML', 'PATCH:application/apply-patch+yaml', `${cm}/c?fieldManager=m`, 'a: [1\n  b: }', 400],
  ['patch of a missing object', 'PATCH:application/merge-patch+json', `${cm}/missing`, '{}', 404],
  ['bad label selector', 'GET', `${cm}?labelSelector=${encodeURIComponent('a in (b')}`, undefined, 400],
  ['bad continue token', 'GET', `${cm}?limit=1&continue=%%%`, undefined, 400],
  ['bad fieldValidation', 'POST', `${cm}?fieldValidation=Sometimes`, '{"metadata":{"name":"z"}}', 400],
  ['bad dryRun', 'POST', `${cm}?dryRun=Some`, '{"metadata":{"name":"z"}}', 400],
  ['bad propagationPolicy', 'DELETE', `${cm}/c?propagationPolicy=Sideways`, undefined, 422],
  ['unknown group', 'GET', '/apis/nope.example.com/v1/things', undefined, 404],
  ['unknown subresource', 'GET', `${cm}/c/frob`, undefined, 404],
  ['POST to an object', 'POST', `${cm}/c`, '{}', 405],
  ['namespaced kind without a namespace on create', 'POST', '/api/v1/configmaps', '{"metadata":{"name":"q"}}', 405],
];

describe('bad input', () => {
  it.each(cases)('%s → %i', async (_what, methodAndType, path, body, code) => {
    const [method, type] = methodAndType.split(':') as [string, string | undefined];
    const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': type ?? 'application/json' }, ...(body !== undefined ? { body } : {}) });
    expect(res.status).toBe(code);
    const status = (await res.json()) as { kind: string; code: number; status: string };
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', code });
  });

  it('is still serving afterwards', async () => {
    expect((await fetch(`${server.url}${cm}/c`)).status).toBe(200);
  });
});
