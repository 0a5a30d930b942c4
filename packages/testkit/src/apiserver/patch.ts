// The three non-apply PATCH types: JSON merge (RFC 7386), JSON patch (RFC 6902) and strategic merge.
import { badRequest, ApiError } from './errors.js';
import type { Obj } from './json.js';
import { clone, deepEqual, isObj } from './json.js';

/** RFC 7386: objects merge recursively, null deletes, everything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map(unescape);
}

function getAt(doc: unknown, tokens: string[]): unknown {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObj(cur)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

const patchFailed = (msg: string): ApiError => new ApiError(422, 'Invalid', msg);

/** RFC 6902, with the real server's errors for a missing path. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out = clone(doc);
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw badRequest('invalid JSON patch operation');
    const tokens = parsePointer(raw.path);
    const op = raw.op;
    if (op === 'test') {
      if (!deepEqual(getAt(out, tokens), raw.value)) throw patchFailed(`testing value ${raw.path} failed: test failed`);
      continue;
    }
    let value = raw.value;
    if (op === 'move' || op === 'copy') {
      if (typeof raw.from !== 'string') throw badRequest(`missing from in ${op} operation`);
      const from = parsePointer(raw.from);
      value = clone(getAt(out, from));
      if (value === undefined) throw patchFailed(`${op} operation does not apply: doc is missing from path: ${raw.from}`);
      if (op === 'move') out = removeAt(out, from, raw.from);
      out = addAt(out, tokens, value, raw.path);
      continue;
    }
    if (op === 'remove') out = removeAt(out, tokens, raw.path);
    else if (op === 'add') out = addAt(out, tokens, value, raw.path);
    else if (op === 'replace') {
      if (getAt(out, tokens) === undefined) throw patchFailed(`replace operation does not apply: doc is missing key: ${raw.path}`);
      out = removeAt(out, tokens, raw.path);
      out = addAt(out, tokens, value, raw.path);
    } else throw badRequest(`Unexpected kind: ${op}`);
  }
  return out;
}

function addAt(doc: unknown, tokens: string[], value: unknown, path: string): unknown {
  if (tokens.length === 0) return clone(value);
  const parent = getAt(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw patchFailed(`add operation does not apply: index out of bounds: ${path}`);
    parent.splice(i, 0, clone(value));
  } else if (isObj(parent)) parent[last] = clone(value);
  else throw patchFailed(`add operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

function removeAt(doc: unknown, tokens: string[], path: string): unknown {
  const parent = getAt(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent) && Number(last) < parent.length) parent.splice(Number(last), 1);
  else if (isObj(parent) && last in parent) delete parent[last];
  else throw patchFailed(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

/** List fields merged by a key in strategic merge patch, keyed by the field's name. */
const mergeKeys: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  envFrom: '',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

/** Lists merged as sets of scalars. */
const setLists = new Set(['finalizers']);

/** The merge key of a list field, or undefined when the list is replaced whole. */
export function mergeKeyFor(field: string, sample: unknown[]): string | undefined {
  if (field === 'ports') {
    const first = sample.find(isObj);
    return first && 'containerPort' in first ? 'containerPort' : 'port';
  }
  const k = mergeKeys[field];
  return k ? k : undefined;
}

/** Strategic merge patch: merge-patch plus keyed list merging and the `$patch`/`$deleteFromPrimitiveList` directives. */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(v) ? v : [];
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !drop.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(k, out[k], v);
      continue;
    }
    const merged = isObj(v) ? strategicMerge(out[k], v) : clone(v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

function mergeList(field: string, current: unknown, patch: unknown[]): unknown[] {
  const cur: unknown[] = Array.isArray(current) ? (current as unknown[]) : [];
  if (setLists.has(field)) {
    const out = [...cur];
    for (const x of patch) if (!out.some((y) => deepEqual(x, y))) out.push(clone(x));
    return out;
  }
  const key = mergeKeyFor(field, [...patch, ...cur]);
  if (!key) {
    if (patch.some((p) => isObj(p) && p.$patch === 'replace')) return patch.filter((p) => !(isObj(p) && p.$patch));
    return clone(patch);
  }
  const out = clone(cur);
  for (const item of patch) {
    if (!isObj(item)) continue;
    if (item.$patch === 'replace') return patch.filter((p) => !(isObj(p) && p.$patch === 'replace'));
    const idx = out.findIndex((x) => isObj(x) && deepEqual(x[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], item);
    else out.push(strategicMerge({}, item));
  }
  return out;
}
