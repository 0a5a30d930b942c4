// The garbage collector: ownerReference cascades (Background, Foreground, Orphan) and namespace teardown.
import { asArr, asObj, isObj, meta } from './json.js';
import type { Obj } from './json.js';
import type { ResourceType } from './registry.js';
import type { StoreEvent } from './store.js';
import { StoreController } from './store-controller.js';

/** Runs after store changes (deferred, so a write never re-enters the store). */
export class GarbageCollector extends StoreController {
  private scheduled = false;
  private readonly deletedUids = new Set<string>();
  private readonly types = new Map<string, ResourceType>();

  protected onEvent(ev: StoreEvent): void {
    const m = meta(ev.object);
    const fin = asArr(m.finalizers);
    const interesting =
      ev.type === 'DELETED' || (m.deletionTimestamp !== undefined && (fin.includes('orphan') || fin.includes('foregroundDeletion'))) || asArr(m.ownerReferences).length > 0 || (ev.object.kind === 'Namespace' && m.deletionTimestamp);
    if (ev.type === 'DELETED') this.deletedUids.add(String(m.uid));
    if (!interesting || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sweep().catch(() => undefined);
    });
  }

  private typeOf(key: string): ResourceType | undefined {
    // Remembered for one sweep (types may come and go with CRDs): a sweep looks them up per object.
    let rt = this.types.get(key);
    if (!rt) {
      rt = this.api.registry.all().find((t) => `${t.group}/${t.plural}` === key);
      if (rt) this.types.set(key, rt);
    }
    return rt;
  }

  /** One pass: orphan, cascade, and collect dependents whose owners are all gone. */
  async sweep(): Promise<void> {
    this.types.clear();
    const all = [...this.api.store.everything()].map(({ key, object }) => ({ key, object: object }));
    const uids = new Set(all.map((e) => String(meta(e.object).uid)));
    const dependents = new Map<string, { key: string; object: Obj }[]>();
    for (const e of all) {
      for (const ref of asArr(meta(e.object).ownerReferences)) {
        if (!isObj(ref)) continue;
        const list = dependents.get(String(ref.uid)) ?? [];
        list.push(e);
        dependents.set(String(ref.uid), list);
      }
    }
    for (const e of all) {
      const m = meta(e.object);
      if (!m.deletionTimestamp) continue; // only objects being deleted have work here
      const rt = this.typeOf(e.key);
      if (!rt) continue;
      const uid = String(m.uid);
      const fin = asArr(m.finalizers).map(String);
      const deps = dependents.get(uid) ?? [];
      if (e.object.kind === 'Namespace' && rt.group === '' && fin.length === 0 && asArr(asObj(e.object.spec).finalizers).length > 0) {
        await this.teardownNamespace(String(m.name), e.object);
        continue;
      }
      if (fin.includes('orphan')) {
        for (const d of deps) this.dropOwner(d, uid);
        await this.removeFinalizer(rt, e.object, 'orphan');
      } else if (fin.includes('foregroundDeletion')) {
        const alive = deps.filter((d) => uids.has(String(meta(d.object).uid)));
        for (const d of alive) if (!meta(d.object).deletionTimestamp) await this.deleteQuietly(d, 'Foreground');
        if (alive.length === 0) await this.removeFinalizer(rt, e.object, 'foregroundDeletion');
      }
    }
    for (const e of all) {
      const refs = asArr(meta(e.object).ownerReferences).filter(isObj);
      if (refs.length === 0 || meta(e.object).deletionTimestamp) continue;
      if (refs.every((r) => !uids.has(String(r.uid)) && (this.deletedUids.has(String(r.uid)) || !uids.has(String(r.uid))))) {
        if (refs.some((r) => this.deletedUids.has(String(r.uid)))) await this.deleteQuietly(e, 'Background');
      }
    }
  }

  private async teardownNamespace(name: string, ns: Obj): Promise<void> {
    for (const rt of this.api.registry.all()) {
      if (!rt.namespaced) continue;
      for (const o of this.api.store.list(rt, name)) {
        try {
          await this.api.delete(rt, name, String(meta(o).name), { gracePeriodSeconds: 0 });
        } catch {
          // Already gone.
        }
      }
    }
    const remaining = this.api.registry.all().some((rt) => rt.namespaced && this.api.store.list(rt, name).length > 0);
    if (remaining) return;
    const nsType = this.api.registry.byPlural('', 'v1', 'namespaces')!;
    const spec = asObj(ns.spec);
    try {
      this.api.store.update(nsType, { ...ns, spec: { ...spec, finalizers: [] }, metadata: { ...meta(ns), resourceVersion: undefined } });
    } catch {
      // Already gone.
    }
  }

  private async deleteQuietly(e: { key: string; object: Obj }, policy: string): Promise<void> {
    const rt = this.typeOf(e.key);
    if (!rt) return;
    const m = meta(e.object);
    try {
      await this.api.delete(rt, m.namespace as string | undefined, String(m.name), { propagationPolicy: policy });
    } catch {
      // Already gone.
    }
  }

  private dropOwner(e: { key: string; object: Obj }, uid: string): void {
    const rt = this.typeOf(e.key);
    if (!rt) return;
    const current = this.api.store.get(rt, meta(e.object).namespace as string | undefined, String(meta(e.object).name));
    if (!current) return;
    const m = meta(current);
    m.ownerReferences = asArr(m.ownerReferences).filter((r) => !(isObj(r) && r.uid === uid));
    if ((m.ownerReferences as unknown[]).length === 0) delete m.ownerReferences;
    m.resourceVersion = undefined;
    this.api.store.update(rt, current);
  }

  private removeFinalizer(rt: ResourceType, o: Obj, finalizer: string): Promise<void> {
    const current = this.api.store.get(rt, meta(o).namespace as string | undefined, String(meta(o).name));
    if (!current) return Promise.resolve();
    const m = meta(current);
    m.finalizers = asArr(m.finalizers).filter((f) => f !== finalizer);
    m.resourceVersion = undefined;
    this.api.store.update(rt, current);
    return Promise.resolve();
  }
}
