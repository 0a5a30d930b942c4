// Server-side apply bookkeeping: which manager owns which field, as `metadata.managedFields` (FieldsV1).
import { rfc3339 } from './rfc3339.js';
import { ApiError } from './errors.js';
import type { Obj } from './json.js';
import { clone, deepEqual, isObj, meta, str } from './json.js';
import { mergeKeyFor, strategicMerge } from './patch.js';

/** A field path: tokens `f:name`, `k:{"name":"x"}` (keyed list item) or `v:"x"` (set item). */
type Path = string[];

const skipMeta = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']);

/** Leaf paths of an object, the way SSA tracks ownership. */
export function leafPaths(o: Obj, includeStatus: boolean): Path[] {
  const out: Path[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'status' && !includeStatus) continue;
    if (k === 'metadata' && isObj(v)) {
      for (const [mk, mv] of Object.entries(v)) if (!skipMeta.has(mk)) walk(mv, mk, ['f:metadata', `f:${mk}`], out);
      continue;
    }
    walk(v, k, [`f:${k}`], out);
  }
  return out;
}

function walk(v: unknown, field: string, path: Path, out: Path[]): void {
  if (isObj(v) && Object.keys(v).length > 0) {
    for (const [k, c] of Object.entries(v)) walk(c, k, [...path, `f:${k}`], out);
    return;
  }
  if (Array.isArray(v) && v.length > 0) {
    if (field === 'finalizers') {
      for (const x of v) out.push([...path, `v:${JSON.stringify(x)}`]);
      return;
    }
    const key = mergeKeyFor(field, v);
    if (key && v.every((x) => isObj(x) && key in x)) {
      for (const item of v as Obj[]) {
        const kt = `k:${JSON.stringify({ [key]: item[key] })}`;
        const rest = Object.fromEntries(Object.entries(item).filter(([ik]) => ik !== key));
        out.push([...path, kt, `f:${key}`]);
        for (const [ik, iv] of Object.entries(rest)) walk(iv, ik, [...path, kt, `f:${ik}`], out);
      }
      return;
    }
  }
  out.push(path);
}

function valueAt(o: unknown, path: Path): unknown {
  let cur = o;
  for (const t of path) {
    if (t.startsWith('f:')) cur = isObj(cur) ? cur[t.slice(2)] : undefined;
    else if (t.startsWith('k:')) {
      const key = JSON.parse(t.slice(2)) as Obj;
      const [kname, kval] = Object.entries(key)[0]!;
      cur = Array.isArray(cur) ? cur.find((x) => isObj(x) && deepEqual(x[kname], kval)) : undefined;
    } else if (t.startsWith('v:')) {
      const val = JSON.parse(t.slice(2)) as unknown;
      cur = Array.isArray(cur) && cur.some((x) => deepEqual(x, val)) ? val : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

function removeAt(o: Obj, path: Path): void {
  let cur: unknown = o;
  for (let i = 0; i < path.length - 1; i++) {
    const t = path[i]!;
    if (t.startsWith('f:')) cur = isObj(cur) ? cur[t.slice(2)] : undefined;
    else if (t.startsWith('k:')) {
      const [kname, kval] = Object.entries(JSON.parse(t.slice(2)) as Obj)[0]!;
      const list = cur;
      const idx = Array.isArray(list) ? list.findIndex((x) => isObj(x) && deepEqual(x[kname], kval)) : -1;
      // The item's key field is the next token: removing it removes the item.
      if (idx >= 0 && i === path.length - 2 && path[i + 1] === `f:${kname}`) {
        (list as unknown[]).splice(idx, 1);
        return;
      }
      cur = idx >= 0 ? (list as unknown[])[idx] : undefined;
    }
    if (cur === undefined) return;
  }
  const last = path[path.length - 1]!;
  if (last.startsWith('f:') && isObj(cur)) delete cur[last.slice(2)];
  else if (last.startsWith('v:') && Array.isArray(cur)) {
    const val = JSON.parse(last.slice(2)) as unknown;
    const idx = cur.findIndex((x) => deepEqual(x, val));
    if (idx >= 0) cur.splice(idx, 1);
  }
}

/** One `managedFields` entry, with its fields as a set of encoded paths. */
interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: Set<string>;
}

const enc = (p: Path): string => JSON.stringify(p);
const dec = (s: string): Path => JSON.parse(s) as Path;

function toFieldsV1(fields: Set<string>): Obj {
  const root: Obj = {};
  for (const s of fields) {
    let cur = root;
    for (const t of dec(s)) {
      if (!isObj(cur[t])) cur[t] = {};
      cur = cur[t] as Obj;
    }
  }
  return root;
}

function fromFieldsV1(tree: unknown, prefix: Path = [], out = new Set<string>()): Set<string> {
  if (!isObj(tree)) return out;
  const keys = Object.keys(tree).filter((k) => k !== '.');
  if (keys.length === 0 && prefix.length > 0) out.add(enc(prefix));
  for (const k of keys) fromFieldsV1(tree[k], [...prefix, k], out);
  return out;
}

function readEntries(o: Obj): Entry[] {
  const mf = meta(o).managedFields;
  if (!Array.isArray(mf)) return [];
  return mf.filter(isObj).map((e) => ({
    manager: str(e.manager, ''),
    operation: e.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: str(e.apiVersion, ''),
    time: str(e.time, ''),
    ...(typeof e.subresource === 'string' ? { subresource: e.subresource } : {}),
    fields: fromFieldsV1(e.fieldsV1),
  }));
}

function writeEntries(o: Obj, entries: Entry[]): void {
  const kept = entries.filter((e) => e.fields.size > 0);
  meta(o).managedFields = kept.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(e.fields),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

function entryFor(entries: Entry[], manager: string, operation: Entry['operation'], apiVersion: string, now: string, subresource?: string): Entry {
  let e = entries.find((x) => x.manager === manager && x.operation === operation && x.subresource === subresource);
  if (!e) {
    e = { manager, operation, apiVersion, time: now, fields: new Set(), ...(subresource ? { subresource } : {}) };
    entries.push(e);
  }
  e.time = now;
  e.apiVersion = apiVersion;
  return e;
}

/** Records an Update (create, PUT or non-apply PATCH): the manager takes every field it changed. */
export function recordUpdate(before: Obj | undefined, after: Obj, manager: string, nowMs: number, subresource?: string): void {
  const entries = readEntries(before ?? after);
  const includeStatus = subresource === 'status';
  const oldValues = before ?? {};
  const changed = leafPaths(after, includeStatus).filter((p) => !deepEqual(valueAt(oldValues, p), valueAt(after, p)));
  if (changed.length === 0 && before) {
    writeEntries(after, entries);
    return;
  }
  const e = entryFor(entries, manager, 'Update', str(after.apiVersion, ''), rfc3339(nowMs), subresource);
  for (const p of changed) {
    const s = enc(p);
    for (const other of entries) if (other !== e) other.fields.delete(s);
    e.fields.add(s);
  }
  writeEntries(after, entries);
}

/**
 * Server-side apply: merges `applied` into `current` for `manager`. Fields owned by another manager
 * with a different value conflict (409) unless `force`; fields this manager applied before and now
 * omits are removed when nobody else owns them.
 */
export function applyConfig(current: Obj, applied: Obj, manager: string, force: boolean, nowMs: number, subresource?: string): Obj {
  const includeStatus = subresource === 'status';
  const entries = readEntries(current);
  const newPaths = leafPaths(applied, includeStatus);
  const newSet = new Set(newPaths.map(enc));
  const conflicts: { manager: string; path: Path }[] = [];
  for (const other of entries) {
    if (other.manager === manager && other.operation === 'Apply') continue;
    for (const s of other.fields) {
      if (!newSet.has(s)) continue;
      const p = dec(s);
      if (!deepEqual(valueAt(current, p), valueAt(applied, p))) conflicts.push({ manager: other.manager, path: p });
    }
  }
  if (conflicts.length > 0 && !force) throw applyConflict(conflicts);
  const mine = entryFor(entries, manager, 'Apply', str(applied.apiVersion, str(current.apiVersion)), rfc3339(nowMs), subresource);
  let result = clone(current);
  for (const s of mine.fields) {
    if (newSet.has(s)) continue;
    if (entries.some((e) => e !== mine && e.fields.has(s))) continue;
    removeAt(result, dec(s));
  }
  const { metadata: appliedMeta, ...appliedRest } = applied;
  const mergeable = includeStatus ? appliedRest : (({ status: _s, ...rest }) => rest)(appliedRest);
  result = strategicMerge(result, mergeable) as Obj;
  if (isObj(appliedMeta)) {
    const m = meta(result);
    for (const field of ['labels', 'annotations'] as const) {
      if (isObj(appliedMeta[field])) m[field] = { ...(isObj(m[field]) ? m[field] : {}), ...appliedMeta[field] };
    }
    if (Array.isArray(appliedMeta.finalizers)) m.finalizers = mergeSet(m.finalizers, appliedMeta.finalizers);
    if (Array.isArray(appliedMeta.ownerReferences)) m.ownerReferences = appliedMeta.ownerReferences;
  }
  for (const other of entries) if (other !== mine) for (const s of newSet) other.fields.delete(s);
  mine.fields = newSet;
  writeEntries(result, entries);
  return result;
}

function mergeSet(current: unknown, add: unknown[]): unknown[] {
  const out: unknown[] = Array.isArray(current) ? [...(current as unknown[])] : [];
  for (const x of add) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

function pathString(p: Path): string {
  return p
    .map((t) => (t.startsWith('f:') ? `.${t.slice(2)}` : t.startsWith('k:') ? `[${Object.entries(JSON.parse(t.slice(2)) as Obj).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]` : `[${t.slice(2)}]`))
    .join('');
}

function applyConflict(conflicts: { manager: string; path: Path }[]): ApiError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}": ${pathString(c.path)}`);
  const message =
    conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n- ')}`;
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: pathString(c.path) })),
  });
}
