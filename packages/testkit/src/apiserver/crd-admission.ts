// Admission for CRDs (their own validity, CEL rules included) and for custom resources (schema, defaults, pruning).
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import { compileRule } from './cel.js';
import type { StatusCause } from './errors.js';
import { ApiError, invalid, invalidValue, required } from './errors.js';
import type { Obj } from './json.js';
import { asArr, asObj, isObj, meta } from './json.js';
import { applyDefaults, blockingCause, collectRules, objectMetaFields, prune, validate } from './schema.js';

function validateCrd(crd: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = asObj(crd.spec);
  const names = asObj(spec.names);
  if (!spec.group) causes.push(required('spec.group'));
  if (!names.plural) causes.push(required('spec.names.plural'));
  if (!names.kind) causes.push(required('spec.names.kind'));
  if (!['Namespaced', 'Cluster'].includes(String(spec.scope))) {
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`, field: 'spec.scope' });
  }
  const expected = `${String(names.plural)}.${String(spec.group)}`;
  if (names.plural && spec.group && meta(crd).name !== expected) {
    causes.push(invalidValue('metadata.name', meta(crd).name, `must be spec.names.plural+"."+spec.group`));
  }
  const versions = asArr(spec.versions).filter(isObj);
  if (versions.length === 0) causes.push(required('spec.versions'));
  if (versions.length && versions.filter((v) => v.storage === true).length !== 1) {
    causes.push(invalidValue('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  }
  versions.forEach((v, i) => {
    const schema = asObj(v.schema).openAPIV3Schema;
    const base = `spec.versions[${i}].schema.openAPIV3Schema`;
    if (!isObj(schema)) {
      causes.push(required(base));
      return;
    }
    if (schema.type !== 'object') causes.push(invalidValue(`${base}.type`, schema.type ?? '', 'must be object at the root'));
    for (const { path, rule } of collectRules(schema, base)) {
      const compiled = compileRule(rule);
      if (!compiled.ok) {
        causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(rule)}: compilation failed: ${compiled.error}`, field: `${path}.x-kubernetes-validations[rule]` });
      }
    }
  });
  return causes;
}

/** Validates CRDs on write and custom resources against their CRD's schema. */
export function crdAdmission(): AdmissionPlugin {
  return {
    name: 'CustomResourceValidation',
    mutate(req: AdmissionRequest) {
      const o = req.object;
      const schema = req.rt.custom?.schema;
      if (!o || !schema || req.operation === 'DELETE') return;
      const unknown: string[] = [];
      for (const k of Object.keys(meta(o))) {
        if (!objectMetaFields.has(k)) {
          unknown.push(`metadata.${k}`);
          delete meta(o)[k];
        }
      }
      const { apiVersion, kind, metadata, ...rest } = o;
      const body: Obj = { ...rest };
      prune(body, { ...schema, properties: { ...asObj(schema.properties) } }, '', unknown);
      for (const k of Object.keys(o)) if (!['apiVersion', 'kind', 'metadata'].includes(k) && !(k in body)) delete o[k];
      applyDefaults(o, { ...schema, properties: { ...asObj(schema.properties), metadata: {}, apiVersion: {}, kind: {} } });
      void apiVersion;
      void kind;
      void metadata;
      if (unknown.length && req.fieldValidation === 'Strict') {
        const list = unknown.map((p) => `unknown field "${p}"`).join(', ');
        throw new ApiError(400, 'BadRequest', `${req.rt.kind} in version "${req.rt.version}" cannot be handled as a ${req.rt.kind}: strict decoding error: ${list}`);
      }
      if (unknown.length && req.fieldValidation === 'Warn') for (const p of unknown) req.warnings.push(`unknown field "${p}"`);
    },
    validate(req: AdmissionRequest) {
      const o = req.object;
      if (!o || req.operation === 'DELETE') return;
      if (req.rt.group === 'apiextensions.k8s.io' && req.rt.kind === 'CustomResourceDefinition') {
        const causes = validateCrd(o);
        if (causes.length) throw invalid(req.rt.kind, req.rt.group, req.name, causes);
        return;
      }
      const schema = req.rt.custom?.schema;
      if (!schema) return;
      const causes: StatusCause[] = [];
      const { metadata: _m, ...body } = o;
      const oldBody = req.oldObject ? (({ metadata: _om, ...rest }) => rest)(req.oldObject) : undefined;
      const rootSchema = { ...schema, properties: { ...asObj(schema.properties), apiVersion: { type: 'string' }, kind: { type: 'string' } } };
      validate(body, rootSchema, '', oldBody, causes, 'schema');
      const blocked = blockingCause(causes);
      if (blocked) causes.push(blocked);
      else validate(body, rootSchema, '', oldBody, causes, 'rules');
      if (causes.length) throw invalid(req.rt.kind, req.rt.group, req.name, causes);
    },
  };
}
