// OpenAPI v3 documents generated from the registry and CRD schemas, shaped the way kubectl reads them.
//
// kubectl (1.32) decides server-side field validation by looking, in the group-version document, for the
// PATCH operation tagged `x-kubernetes-group-version-kind` for the kind and a `fieldValidation` query
// parameter on it. When found it sends `fieldValidation=Strict` and needs no client-side schema.
// Built-in kinds leave `application/strategic-merge-patch+json` out of the PATCH body types, so
// `kubectl apply` computes strategic merge patches from its compiled-in types rather than from these thin schemas.
import { createHash } from 'node:crypto';
import type { Obj } from './json.js';
import { clone, isObj } from './json.js';
import type { Registry, ResourceType } from './registry.js';

const objectMetaRef = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** `pods` in `apps` → `io.k8s.api.apps.v1.Deployment`; a CRD group reversed: `example.com` → `com.example`. */
export function schemaName(rt: ResourceType): string {
  if (rt.custom) return `${rt.group.split('.').reverse().join('.')}.${rt.version}.${rt.kind}`;
  const group = rt.group === '' ? 'core' : rt.group.replace(/\.k8s\.io$/, '').replace(/\./g, '_');
  return `io.k8s.api.${group}.${rt.version}.${rt.kind}`;
}

/** The group-version path of a document: `api/v1` or `apis/apps/v1`. */
export const gvPath = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

function query(name: string, description: string, type = 'string'): Obj {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const writeParams = [
  query('dryRun', 'When present, indicates that modifications should not be persisted.'),
  query('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  query('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.'),
];

function kindSchema(rt: ResourceType): Obj {
  const gvk = [{ group: rt.group, version: rt.version, kind: rt.kind }];
  if (rt.custom?.schema) {
    const s = clone(rt.custom.schema);
    const props = isObj(s.properties) ? s.properties : {};
    s.properties = { ...props, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { allOf: [{ $ref: `#/components/schemas/${objectMetaRef}` }] } };
    return { ...s, 'x-kubernetes-group-version-kind': gvk };
  }
  return {
    type: 'object',
    description: `${rt.kind} (served by the actions-gateway testkit; fields beyond metadata are not described).`,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { allOf: [{ $ref: `#/components/schemas/${objectMetaRef}` }], default: {} },
    },
    'x-kubernetes-preserve-unknown-fields': true,
    'x-kubernetes-group-version-kind': gvk,
  };
}

function op(rt: ResourceType, action: string, id: string, extra: Obj = {}): Obj {
  const ref = { $ref: `#/components/schemas/${schemaName(rt)}` };
  return {
    operationId: `${action}${rt.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: rt.group, version: rt.version, kind: rt.kind },
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    ...extra,
    ...(id ? {} : {}),
  };
}

function paths(rt: ResourceType): Obj {
  const prefix = `/${gvPath(rt.group, rt.version)}`;
  const base = rt.namespaced ? `${prefix}/namespaces/{namespace}/${rt.plural}` : `${prefix}/${rt.plural}`;
  const ref = { $ref: `#/components/schemas/${schemaName(rt)}` };
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
  const pathParams = [
    { name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } },
    ...(rt.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }] : []),
  ];
  const item: Obj = {
    get: op(rt, 'get', 'read'),
    put: op(rt, 'put', 'replace', { parameters: writeParams, requestBody: { content: { '*/*': { schema: ref } }, required: true } }),
    patch: op(rt, 'patch', 'patch', {
      parameters: [...writeParams, query('force', 'Force is going to "force" Apply requests.', 'boolean')],
      requestBody: { content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])), required: true },
    }),
    delete: op(rt, 'delete', 'delete'),
    parameters: pathParams,
  };
  const collection: Obj = {
    get: op(rt, 'list', 'list'),
    post: op(rt, 'post', 'create', { parameters: writeParams, requestBody: { content: { '*/*': { schema: ref } }, required: true } }),
    ...(rt.namespaced ? { parameters: [pathParams[1]] } : {}),
  };
  const out: Obj = { [base]: collection, [`${base}/{name}`]: item };
  for (const sub of rt.subresources.filter((s) => s === 'status')) {
    // Only status is described: the other subresources take other kinds (Eviction, Scale) or return text (log).
    out[`${base}/{name}/${sub}`] = { get: op(rt, 'get', 'read'), put: op(rt, 'put', 'replace', { parameters: writeParams }), patch: op(rt, 'patch', 'patch', { parameters: writeParams, requestBody: { content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])) } }), parameters: pathParams };
  }
  return out;
}

const objectMetaSchema: Obj = {
  type: 'object',
  description: 'ObjectMeta is metadata that all persisted resources must have.',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer', format: 'int64' },
    creationTimestamp: { type: 'string', format: 'date-time' },
    deletionTimestamp: { type: 'string', format: 'date-time' },
    deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
    labels: { type: 'object', additionalProperties: { type: 'string', default: '' } },
    annotations: { type: 'object', additionalProperties: { type: 'string', default: '' } },
    finalizers: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'set' },
    ownerReferences: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, 'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-patch-strategy': 'merge' },
    managedFields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  },
};

/** The OpenAPI v3 document of one group-version, or undefined when nothing is served there. */
export function groupVersionDocument(registry: Registry, group: string, version: string): Obj | undefined {
  const types = registry.all().filter((rt) => rt.group === group && rt.version === version);
  if (types.length === 0) return undefined;
  const schemas: Obj = { [objectMetaRef]: objectMetaSchema };
  let allPaths: Obj = {};
  for (const rt of types) {
    schemas[schemaName(rt)] = kindSchema(rt);
    allPaths = { ...allPaths, ...paths(rt) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: allPaths, components: { schemas } };
}

/** The `/openapi/v3` index: one entry per group-version with a content hash. */
export function openApiIndex(registry: Registry): Obj {
  const out: Obj = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const doc = groupVersionDocument(registry, group, version);
      const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
      out[gvPath(group, version)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hash}` };
    }
  }
  return { paths: out };
}
