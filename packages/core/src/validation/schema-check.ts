// Checks a value against a SchemaNode the way the API server's structural validation would, collecting
// every violation instead of stopping at the first. The schema is the only source of the limits used here.
import { formatDuration, tryParseDuration } from '../api/duration.js';
import { isRecord } from '../api/safe-object.js';
import type { SchemaNode } from '../api/schema-types.js';
import { child, entry, item, shown } from './path.js';
import type { Violation } from './types.js';

/** Strings longer than this are not pattern-tested (bounds regex work on hostile input). */
const MAX_PATTERN_INPUT = 4096;
/** Items walked past `maxItems` are not inspected further (bounds work on huge lists). */
const MAX_ITEMS_WALKED = 1000;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const regExpCache = new Map<string, RegExp>();
function regExp(pattern: string): RegExp {
  let re = regExpCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    regExpCache.set(pattern, re);
  }
  return re;
}

/** Sink for findings. */
export interface Findings {
  readonly violations: Violation[];
  readonly warnings: Violation[];
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: NonNullable<SchemaNode['type']>): boolean {
  switch (type) {
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
  }
}

/** Walks `value` (never `undefined`/`null`; the caller treats those as absent) under `schema`. */
export function checkSchema(value: unknown, schema: SchemaNode, path: string, out: Findings): void {
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value === 'string') checkString(value, schema, path, out);
    else if (!(typeof value === 'number' && Number.isSafeInteger(value))) {
      out.violations.push({ path, rule: 'type', message: `${shown(path)} must be an integer or a string, not ${typeName(value)}` });
    }
    return;
  }
  if (schema.type && !hasType(value, schema.type)) {
    out.violations.push({ path, rule: 'type', message: `${shown(path)} must be ${article(schema.type)}, not ${typeName(value)}` });
    return;
  }
  if (typeof value === 'number') checkNumber(value, schema, path, out);
  else if (typeof value === 'string') checkString(value, schema, path, out);
  else if (Array.isArray(value)) checkArray(value, schema, path, out);
  else if (isRecord(value)) checkObject(value, schema, path, out);
}

function article(type: string): string {
  return type === 'object' || type === 'array' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

function checkEnum(value: string | number, schema: SchemaNode, path: string, out: Findings): void {
  if (schema.enum && !schema.enum.includes(value)) {
    out.violations.push({
      path,
      rule: 'enum',
      message: `${shown(path)} must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}, not ${JSON.stringify(value).slice(0, 80)}`,
    });
  }
}

function checkNumber(value: number, schema: SchemaNode, path: string, out: Findings): void {
  if (schema.format === 'int32' && (value < INT32_MIN || value > INT32_MAX)) {
    out.violations.push({ path, rule: 'type', message: `${shown(path)} must be a 32-bit integer` });
    return;
  }
  checkEnum(value, schema, path, out);
  if (schema.minimum !== undefined && value < schema.minimum) {
    out.violations.push({ path, rule: 'minimum', message: `${shown(path)} must be at least ${schema.minimum}, not ${value}` });
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    out.violations.push({ path, rule: 'maximum', message: `${shown(path)} must be at most ${schema.maximum}, not ${value}` });
  }
}

function checkString(value: string, schema: SchemaNode, path: string, out: Findings): void {
  checkEnum(value, schema, path, out);
  const length = value.length > MAX_PATTERN_INPUT ? value.length : [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    const message = schema.minLength === 1 ? `${shown(path)} must not be empty` : `${shown(path)} must be at least ${schema.minLength} characters`;
    out.violations.push({ path, rule: 'minLength', message });
  }
  const maxLength = schema.maxLength ?? (schema.pattern ? MAX_PATTERN_INPUT : undefined);
  if (maxLength !== undefined && length > maxLength) {
    out.violations.push({ path, rule: 'maxLength', message: `${shown(path)} must be at most ${maxLength} characters, not ${length}` });
    return;
  }
  if (schema.pattern && !regExp(schema.pattern).test(value)) {
    const why = schema['x-ag-pattern-message'] ?? `must match ${schema.pattern}`;
    out.violations.push({ path, rule: 'pattern', message: `${shown(path)} ${why} (got ${JSON.stringify(value).slice(0, 80)})` });
    return;
  }
  const bounds = schema['x-ag-duration'];
  const ms = bounds ? tryParseDuration(value) : undefined;
  if (bounds && ms !== undefined) {
    if (ms < bounds.minMs || (bounds.maxMs !== undefined && ms > bounds.maxMs)) {
      const range = bounds.maxMs === undefined ? `at least ${formatDuration(bounds.minMs)}` : `between ${formatDuration(bounds.minMs)} and ${formatDuration(bounds.maxMs)}`;
      out.violations.push({ path, rule: 'durationRange', message: `${shown(path)} must be ${range}, not ${value}` });
    }
  }
}

function checkArray(value: readonly unknown[], schema: SchemaNode, path: string, out: Findings): void {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    out.violations.push({ path, rule: 'minItems', message: `${shown(path)} must have at least ${schema.minItems} item(s)` });
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    out.violations.push({ path, rule: 'maxItems', message: `${shown(path)} must have at most ${schema.maxItems} items, not ${value.length}` });
  }
  const walked = value.slice(0, Math.min(value.length, (schema.maxItems ?? MAX_ITEMS_WALKED) + 1, MAX_ITEMS_WALKED));
  if (schema.items) {
    walked.forEach((v, i) => {
      if (v === null || v === undefined) {
        out.violations.push({ path: item(path, i), rule: 'type', message: `${item(path, i)} must not be null` });
      } else {
        checkSchema(v, schema.items as SchemaNode, item(path, i), out);
      }
    });
  }
  checkListUniqueness(walked, schema, path, out);
}

function checkListUniqueness(items: readonly unknown[], schema: SchemaNode, path: string, out: Findings): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== 'set' && listType !== 'map') return;
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Map<string, number>();
  items.forEach((v, i) => {
    let identity: string | undefined;
    let where = item(path, i);
    if (listType === 'set') {
      identity = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? JSON.stringify(v) : undefined;
    } else if (isRecord(v) && keys.every((k) => Object.prototype.hasOwnProperty.call(v, k))) {
      identity = keys.length === 1 ? JSON.stringify(v[keys[0] as string]) : JSON.stringify(keys.map((k) => v[k]));
      if (keys.length === 1) where = child(where, keys[0] as string);
    }
    if (identity === undefined) return;
    const first = seen.get(identity);
    if (first === undefined) seen.set(identity, i);
    else {
      const firstAt = keys.length === 1 ? child(item(path, first), keys[0] as string) : item(path, first);
      const what = keys.length ? keys.join(', ') : 'items';
      out.violations.push({
        path: where,
        rule: 'unique',
        message: `${where} ${identity.slice(0, 80)} duplicates ${firstAt}: ${what} must be unique`,
      });
    }
  });
}

function checkObject(value: Record<string, unknown>, schema: SchemaNode, path: string, out: Findings): void {
  const props = schema.properties ?? {};
  const keys = Object.keys(value);
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
    out.violations.push({ path, rule: 'maxProperties', message: `${shown(path)} must have at most ${schema.maxProperties} entries, not ${keys.length}` });
  }
  for (const key of schema.required ?? []) {
    const v = Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
    if (v === undefined || v === null) {
      out.violations.push({ path: child(path, key), rule: 'required', message: `${child(path, key)} is required` });
    }
  }
  // An object schema with neither properties nor additionalProperties (metadata) is opaque, as in the CRD.
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true || (!schema.properties && !schema.additionalProperties);
  let unknownReported = 0;
  for (const key of keys.slice(0, MAX_ITEMS_WALKED)) {
    const v = value[key];
    if (Object.prototype.hasOwnProperty.call(props, key)) {
      if (v !== undefined && v !== null) checkSchema(v, props[key] as SchemaNode, child(path, key), out);
    } else if (schema.additionalProperties) {
      if (v === null || v === undefined) {
        out.violations.push({ path: entry(path, key), rule: 'type', message: `${entry(path, key)} must not be null` });
      } else checkSchema(v, schema.additionalProperties, entry(path, key), out);
    } else if (!open && unknownReported < 20) {
      unknownReported++;
      out.warnings.push({ path: child(path, key), rule: 'unknownField', message: `${child(path, key)} is not a field of this API and is dropped` });
    }
  }
}
