// The in-memory object store: one monotonic resourceVersion, a bounded event history for watch resume.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { rfc3339 } from './rfc3339.js';
import { alreadyExists, modifiedConflict, notFound } from './errors.js';
import type { Obj } from './json.js';
import { asArr, asObj, clone, deepEqual, isObj, meta, str } from './json.js';
import type { ResourceType } from './registry.js';
import { storageKey } from './registry.js';

/** One change, as watch streams it. */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rv: number;
  key: string;
  namespace: string;
  object: Obj;
  /** The object before a MODIFIED change (for watches whose selector it enters or leaves). */
  old?: Obj;
}

const objKey = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;

/** Kinds whose metadata carries no generation on the real server. */
const noGeneration = new Set(['Namespace', 'Node']);
export const tracksGeneration = (rt: ResourceType): boolean =>
  !noGeneration.has(rt.kind) && (rt.custom !== undefined || rt.subresources.includes('status'));

/** Everything but metadata and status: a change here bumps generation. */
function specPart(o: Obj): Obj {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

const suffixChars = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += suffixChars[Math.floor(Math.random() * suffixChars.length)];
  return s;
}

/** The in-memory store. Objects returned are copies; callers may mutate them freely. */
export class Store {
  private revision = 1000;
  private readonly data = new Map<string, Map<string, Obj>>();
  private readonly history: StoreEvent[] = [];
  /** Events at or below this revision have left the history. */
  private compacted = 0;
  private readonly listeners = new Set<(ev: StoreEvent) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly historySize = 1000,
  ) {}

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResumable(): number {
    return this.compacted;
  }

  private bucket(rt: ResourceType): Map<string, Obj> {
    const key = storageKey(rt);
    let b = this.data.get(key);
    if (!b) this.data.set(key, (b = new Map<string, Obj>()));
    return b;
  }

  get(rt: ResourceType, namespace: string | undefined, name: string): Obj | undefined {
    const o = this.bucket(rt).get(objKey(rt.namespaced ? namespace : undefined, name));
    return o ? clone(o) : undefined;
  }

  mustGet(rt: ResourceType, namespace: string | undefined, name: string): Obj {
    const o = this.get(rt, namespace, name);
    if (!o) throw notFound(rt.plural, rt.group, name);
    return o;
  }

  /**
   * Objects of a type, in one namespace or all, sorted by namespace then name as the real server lists.
   * `keep` (a selector; it must not modify what it reads) filters before the copies are made, so a selective
   * list of a big collection costs what it returns, not the whole collection.
   */
  list(rt: ResourceType, namespace?: string, keep?: (o: Obj) => boolean): Obj[] {
    const out: Obj[] = [];
    for (const o of this.bucket(rt).values()) {
      if (namespace && meta(o).namespace !== namespace) continue;
      if (keep && !keep(o)) continue;
      out.push(clone(o));
    }
    return out.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  }

  /** Every stored object of every type, for garbage collection. */
  *everything(): Generator<{ key: string; object: Obj }> {
    for (const [key, b] of this.data) for (const o of b.values()) yield { key, object: o };
  }

  create(rt: ResourceType, input: Obj): Obj {
    const obj = clone(input);
    const m = meta(obj);
    if (!m.name && typeof m.generateName === 'string') m.name = m.generateName + randomSuffix();
    const name = String(m.name);
    const ns = rt.namespaced ? String(m.namespace) : undefined;
    if (!rt.namespaced) delete m.namespace;
    const b = this.bucket(rt);
    if (b.has(objKey(ns, name))) throw alreadyExists(rt.plural, rt.group, name);
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339(this.clock.now());
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (tracksGeneration(rt)) m.generation = 1;
    else delete m.generation;
    m.resourceVersion = String(++this.revision);
    b.set(objKey(ns, name), obj);
    this.emit('ADDED', rt, obj);
    return clone(obj);
  }

  /**
   * Replaces an object. A set `metadata.resourceVersion` must match (409 Conflict otherwise).
   * Identity fields are kept; a no-op write keeps the old resourceVersion, as the real server does.
   */
  update(rt: ResourceType, input: Obj): Obj {
    const obj = clone(input);
    const m = meta(obj);
    const name = String(m.name);
    const ns = rt.namespaced ? String(m.namespace) : undefined;
    const b = this.bucket(rt);
    const old = b.get(objKey(ns, name));
    if (!old) throw notFound(rt.plural, rt.group, name);
    const om = meta(old);
    if (m.resourceVersion !== undefined && m.resourceVersion !== '' && m.resourceVersion !== om.resourceVersion) {
      throw modifiedConflict(rt.plural, rt.group, name);
    }
    m.uid = om.uid;
    m.creationTimestamp = om.creationTimestamp;
    if (!rt.namespaced) delete m.namespace;
    if (om.deletionTimestamp) {
      m.deletionTimestamp = om.deletionTimestamp;
      if (om.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds === undefined) {
        m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
      }
    }
    if (tracksGeneration(rt)) {
      m.generation = om.generation;
      if (!deepEqual(specPart(obj), specPart(old))) m.generation = Number(om.generation ?? 0) + 1;
    }
    m.resourceVersion = om.resourceVersion;
    if (deepEqual(withoutVolatile(obj), withoutVolatile(old))) return clone(old);
    const namespacePending = rt.kind === 'Namespace' && asArr(asObj(obj.spec).finalizers).length > 0;
    if (m.deletionTimestamp && asArr(m.finalizers).length === 0 && !Number(m.deletionGracePeriodSeconds ?? 0) && !namespacePending) {
      b.set(objKey(ns, name), obj);
      return this.remove(rt, ns, name);
    }
    m.resourceVersion = String(++this.revision);
    b.set(objKey(ns, name), obj);
    this.emit('MODIFIED', rt, obj, old);
    return clone(obj);
  }

  /** Removes an object at once (no finalizers or grace: the caller decided). */
  remove(rt: ResourceType, namespace: string | undefined, name: string): Obj {
    const b = this.bucket(rt);
    const k = objKey(rt.namespaced ? namespace : undefined, name);
    const old = b.get(k);
    if (!old) throw notFound(rt.plural, rt.group, name);
    b.delete(k);
    meta(old).resourceVersion = String(++this.revision);
    this.emit('DELETED', rt, old);
    return clone(old);
  }

  /** Drops every object of a type (a CRD went away). */
  dropType(rt: ResourceType): void {
    for (const o of this.list(rt)) this.remove(rt, meta(o).namespace as string | undefined, String(meta(o).name));
  }

  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** History after `rv`, or undefined when some of it was already compacted away (410 Expired). */
  since(rv: number): StoreEvent[] | undefined {
    if (rv < this.compacted) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  private emit(type: StoreEvent['type'], rt: ResourceType, obj: Obj, old?: Obj): void {
    const ev: StoreEvent = {
      type,
      rv: this.revision,
      key: storageKey(rt),
      namespace: str(meta(obj).namespace, ''),
      object: clone(obj),
      ...(old ? { old } : {}),
    };
    this.history.push(ev);
    while (this.history.length > this.historySize) this.compacted = this.history.shift()!.rv;
    for (const fn of [...this.listeners]) fn(ev);
  }
}

function keyOf(o: Obj): string {
  const m = meta(o);
  return `${str(m.namespace, '')}/${String(m.name)}`;
}

function withoutVolatile(o: Obj): Obj {
  const c = clone(o);
  const m = meta(c);
  delete m.resourceVersion;
  if (Array.isArray(m.managedFields)) m.managedFields = (m.managedFields as unknown[]).map((f) => (isObj(f) ? { ...f, time: undefined } : f));
  return c;
}
