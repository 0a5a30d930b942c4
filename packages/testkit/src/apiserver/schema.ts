// Structural schemas of CRDs: defaulting, pruning of unknown fields, validation with field causes, CEL rules.
import type { StatusCause } from './errors.js';
import { compileRule, isTransitionRule, toCel } from './cel.js';
import type { Obj } from './json.js';
import { asArr, asObj, clone, isObj, str } from './json.js';

/** Fields of ObjectMeta a client may send; anything else in metadata is unknown. */
export const objectMetaFields = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

/** Fills `default`s where a property is absent (the parent object exists). */
export function applyDefaults(v: unknown, schema: Obj): unknown {
  if (isObj(v)) {
    const props = asObj(schema.properties);
    for (const [k, ps] of Object.entries(props)) {
      if (!isObj(ps)) continue;
      if (v[k] === undefined && ps.default !== undefined) v[k] = clone(ps.default);
      if (v[k] !== undefined) v[k] = applyDefaults(v[k], ps);
    }
    if (isObj(schema.additionalProperties)) for (const k of Object.keys(v)) if (!(k in props)) v[k] = applyDefaults(v[k], schema.additionalProperties);
  } else if (Array.isArray(v) && isObj(schema.items)) {
    return v.map((x) => applyDefaults(x, schema.items as Obj));
  }
  return v;
}

/** Removes fields the schema does not declare; returns their paths (for fieldValidation Strict/Warn). */
export function prune(v: unknown, schema: Obj, path: string, unknown: string[]): void {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && !isObj(schema.properties)) return;
  if (isObj(v)) {
    const props = asObj(schema.properties);
    const additional = schema.additionalProperties;
    for (const k of Object.keys(v)) {
      const p = path ? `${path}.${k}` : k;
      if (isObj(props[k])) prune(v[k], props[k], p, unknown);
      else if (isObj(additional)) prune(v[k], additional, p, unknown);
      else if (additional === true || schema['x-kubernetes-preserve-unknown-fields'] === true) continue;
      else {
        unknown.push(p);
        delete v[k];
      }
    }
  } else if (Array.isArray(v) && isObj(schema.items)) {
    v.forEach((x, i) => prune(x, schema.items as Obj, `${path}[${i}]`, unknown));
  }
}

const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v === 'object' ? 'object' : typeof v;

function typeOk(v: unknown, type: unknown): boolean {
  switch (type) {
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : isObj(v) ? '"object"' : Array.isArray(v) ? '"array"' : String(v));

/** `schema`: OpenAPI checks only; `rules`: CEL rules only; `all`: both in one pass. */
export type ValidationPass = 'all' | 'schema' | 'rules';

/** Validates `v` against `schema`; `old` is the previous value at the same place (for transition rules). */
export function validate(v: unknown, schema: Obj, path: string, old: unknown, causes: StatusCause[], pass: ValidationPass = 'all'): void {
  const sink: StatusCause[] = [];
  const target = pass === 'rules' ? sink : causes;
  validateInto(v, schema, path, old, target, pass === 'rules' ? causes : pass === 'schema' ? sink : causes);
}

function validateInto(v: unknown, schema: Obj, path: string, old: unknown, causes: StatusCause[], ruleCauses: StatusCause[]): void {
  const invalid = (detail: string, value: unknown = v): void => {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${detail}`, field: path });
  };
  if (v === null) {
    if (schema.nullable !== true) invalid(`${path} in body must be of type ${str(schema.type)}: "null"`);
    return;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) invalid(`${path} in body must be of type integer-or-string: "${typeName(v)}"`);
  } else if (schema.type !== undefined && !typeOk(v, schema.type)) {
    causes.push({ reason: 'FieldValueTypeInvalid', message: `Invalid value: "${typeName(v)}": ${path} in body must be of type ${str(schema.type)}: "${typeName(v)}"`, field: path });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`, field: path });
  }
  if (typeof v === 'number') {
    if (typeof schema.minimum === 'number' && (v < schema.minimum || (schema.exclusiveMinimum === true && v === schema.minimum))) invalid(`${path} in body should be greater than or equal to ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && (v > schema.maximum || (schema.exclusiveMaximum === true && v === schema.maximum))) invalid(`${path} in body should be less than or equal to ${schema.maximum}`);
  }
  if (typeof v === 'string') {
    if (typeof schema.minLength === 'number' && [...v].length < schema.minLength) invalid(`${path} in body should be at least ${schema.minLength} chars long`);
    if (typeof schema.maxLength === 'number' && [...v].length > schema.maxLength) {
      causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${schema.maxLength} bytes`, field: path });
    }
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(v)) invalid(`${path} in body should match '${schema.pattern}'`);
  }
  if (Array.isArray(v)) {
    if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${v.length}: must have at most ${schema.maxItems} items`, field: path });
    if (typeof schema.minItems === 'number' && v.length < schema.minItems) invalid(`${path} in body should have at least ${schema.minItems} items`, v.length);
    if (isObj(schema.items)) v.forEach((x, i) => validateInto(x, schema.items as Obj, `${path}[${i}]`, undefined, causes, ruleCauses));
  }
  if (isObj(v)) {
    for (const r of asArr(schema.required)) {
      if (typeof r === 'string' && v[r] === undefined) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: path ? `${path}.${r}` : r });
    }
    const props = asObj(schema.properties);
    const oldObj = isObj(old) ? old : undefined;
    for (const [k, x] of Object.entries(v)) {
      const ps = isObj(props[k]) ? props[k] : isObj(schema.additionalProperties) ? schema.additionalProperties : undefined;
      if (ps) validateInto(x, ps, path ? `${path}.${k}` : k, oldObj?.[k], causes, ruleCauses);
    }
    if (typeof schema.maxProperties === 'number' && Object.keys(v).length > schema.maxProperties) {
      causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${Object.keys(v).length}: must have at most ${schema.maxProperties} items`, field: path });
    }
  }
  runRules(v, schema, path, old, ruleCauses);
}

/**
 * Whether schema errors block the CEL pass, as the real server decides: a wrong type or an unsupported enum value
 * means rules would read garbage, so they are skipped with one cause saying so.
 */
export function blockingCause(causes: StatusCause[]): StatusCause | undefined {
  if (!causes.some((c) => c.reason === 'FieldValueNotSupported' || c.reason === 'FieldValueTypeInvalid')) return undefined;
  return {
    reason: 'FieldValueInvalid',
    message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    field: '<nil>',
  };
}

function runRules(v: unknown, schema: Obj, path: string, old: unknown, causes: StatusCause[]): void {
  // The real server shows the schema type, not the value, in a rule's cause: `Invalid value: "string"`.
  const shown = JSON.stringify(str(schema.type, typeName(v)));
  for (const raw of asArr(schema['x-kubernetes-validations'])) {
    if (!isObj(raw) || typeof raw.rule !== 'string') continue;
    const transition = isTransitionRule(raw.rule);
    if (transition && old === undefined) continue;
    const compiled = compileRule(raw.rule);
    const field = typeof raw.fieldPath === 'string' ? `${path}${raw.fieldPath}` : path;
    const reason = typeof raw.reason === 'string' ? raw.reason : 'FieldValueInvalid';
    if (!compiled.ok) {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${shown}: compilation failed: ${compiled.error}`, field });
      continue;
    }
    let result: unknown;
    try {
      result = compiled.run(toCel(v, schema), transition ? toCel(old, schema) : undefined);
    } catch (e) {
      const message = String((e as Error).message).split('\n')[0];
      if (/no such key|No such key/i.test(String(message))) {
        result = false;
      } else {
        causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${shown}: rule evaluation failed: ${message}`, field });
        continue;
      }
    }
    if (result !== true) {
      const msg = typeof raw.message === 'string' && raw.message ? raw.message : `failed rule: ${raw.rule}`;
      const ruleReason = reason === 'FieldValueForbidden' ? 'Forbidden' : reason === 'FieldValueRequired' ? 'Required value' : undefined;
      causes.push({ reason, message: ruleReason ? `${ruleReason}: ${msg}` : `Invalid value: ${shown}: ${msg}`, field });
    }
  }
}

/** Every CEL rule in a schema with the path it sits at, for checking at CRD creation. */
export function collectRules(schema: unknown, path: string, out: { path: string; rule: string }[] = []): { path: string; rule: string }[] {
  if (!isObj(schema)) return out;
  for (const r of asArr(schema['x-kubernetes-validations'])) if (isObj(r) && typeof r.rule === 'string') out.push({ path, rule: r.rule });
  for (const [k, ps] of Object.entries(asObj(schema.properties))) collectRules(ps, path ? `${path}.properties[${k}]` : `properties[${k}]`, out);
  if (isObj(schema.items)) collectRules(schema.items, `${path}.items`, out);
  if (isObj(schema.additionalProperties)) collectRules(schema.additionalProperties, `${path}.additionalProperties`, out);
  return out;
}
