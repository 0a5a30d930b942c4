// The store as tests see it: objects addressed by apiVersion and kind, writes that skip admission.
import { badRequest } from './errors.js';
import type { Obj } from './json.js';
import { meta } from './json.js';
import type { Registry, ResourceType } from './registry.js';
import type { Store } from './store.js';

/** Identifies one object (namespace omitted for cluster-scoped kinds). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Direct access to the server's objects. Writes bump resourceVersion and reach watches, but skip admission. */
export class ObjectStore {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
  ) {}

  private type(apiVersion: string, kind: string): ResourceType {
    const rt = this.registry.byKind(apiVersion, kind);
    if (!rt) throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}"`);
    return rt;
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.store.resourceVersion;
  }

  get(ref: ObjectRef): Obj | undefined {
    return this.store.get(this.type(ref.apiVersion, ref.kind), ref.namespace, ref.name);
  }

  list(apiVersion: string, kind: string, namespace?: string): Obj[] {
    return this.store.list(this.type(apiVersion, kind), namespace);
  }

  /** Creates the object, or replaces it when it exists (ignoring resourceVersion). */
  put(obj: Obj): Obj {
    const rt = this.type(String(obj.apiVersion), String(obj.kind));
    const m = meta(obj);
    const existing = this.store.get(rt, m.namespace as string | undefined, String(m.name));
    if (!existing) return this.store.create(rt, obj);
    return this.store.update(rt, { ...obj, metadata: { ...m, resourceVersion: undefined } });
  }

  /** Removes the object at once, ignoring finalizers. */
  remove(ref: ObjectRef): Obj {
    return this.store.remove(this.type(ref.apiVersion, ref.kind), ref.namespace, ref.name);
  }

  /** Calls `fn` for every change from now on; returns the unsubscribe function. */
  onChange(fn: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: Obj) => void): () => void {
    return this.store.subscribe((ev) => fn(ev.type, ev.object));
  }
}
