// Serves each CustomResourceDefinition once created: registers its types and sets its status conditions.
import { rfc3339 } from './rfc3339.js';
import { StoreController } from './store-controller.js';
import type { Obj } from './json.js';
import { asArr, asObj, asStr, isObj, meta, str } from './json.js';
import type { CustomServing, ResourceType } from './registry.js';
import type { StoreEvent } from './store.js';

/** The resource types a CRD defines (one per served version). */
export function typesOfCrd(crd: Obj): ResourceType[] {
  const spec = asObj(crd.spec);
  const names = asObj(spec.names);
  const group = String(spec.group);
  const plural = String(names.plural);
  return asArr(spec.versions)
    .filter(isObj)
    .filter((v) => v.served !== false)
    .map((v) => {
      const sub = asObj(v.subresources);
      const custom: CustomServing = {
        schema: isObj(asObj(v.schema).openAPIV3Schema) ? (asObj(v.schema).openAPIV3Schema as Obj) : undefined,
        columns: asArr(v.additionalPrinterColumns)
          .filter(isObj)
          .map((c) => ({
            name: String(c.name),
            type: str(c.type, 'string'),
            jsonPath: String(c.jsonPath),
            ...(asStr(c.description) ? { description: String(c.description) } : {}),
            ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
            ...(asStr(c.format) ? { format: String(c.format) } : {}),
          })),
      };
      return {
        group,
        version: String(v.name),
        kind: String(names.kind),
        plural,
        singular: str(names.singular, String(names.kind).toLowerCase()),
        namespaced: spec.scope !== 'Cluster',
        shortNames: asArr(names.shortNames).map(String),
        categories: asArr(names.categories).map(String),
        subresources: [...('status' in sub ? ['status'] : []), ...('scale' in sub ? ['scale'] : [])],
        custom,
      };
    });
}

/** Watches CRDs in the store and keeps the registry in step. */
export class CrdController extends StoreController {
  protected onEvent(ev: StoreEvent): void {
    if (ev.key !== 'apiextensions.k8s.io/customresourcedefinitions') return;
    const crd = ev.object;
    const spec = asObj(crd.spec);
    const group = String(spec.group);
    const plural = String(asObj(spec.names).plural);
    const crdType = this.api.registry.byPlural('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    if (ev.type === 'DELETED') {
      const types = this.api.registry.all().filter((rt) => rt.group === group && rt.plural === plural);
      if (types[0]) this.api.store.dropType(types[0]);
      this.api.registry.remove(group, plural);
      return;
    }
    this.api.registry.remove(group, plural);
    for (const rt of typesOfCrd(crd)) this.api.registry.add(rt);
    const m = meta(crd);
    if (m.deletionTimestamp) {
      // The real server removes every custom resource, then its own finalizer.
      const types = this.api.registry.all().filter((rt) => rt.group === group && rt.plural === plural);
      if (types[0]) this.api.store.dropType(types[0]);
      const fin = asArr(m.finalizers).filter((f) => f !== 'customresourcecleanup.apiextensions.k8s.io');
      setImmediate(() => {
        const current = this.api.store.get(crdType, undefined, String(m.name));
        if (current) this.api.store.update(crdType, { ...current, metadata: { ...meta(current), finalizers: fin, resourceVersion: undefined } });
      });
      return;
    }
    const status = asObj(crd.status);
    const established = asArr(status.conditions).some((c) => isObj(c) && c.type === 'Established' && c.status === 'True');
    if (established && isObj(status.acceptedNames) && JSON.stringify(status.acceptedNames) === JSON.stringify(spec.names)) return;
    setImmediate(() => {
      const current = this.api.store.get(crdType, undefined, String(m.name));
      if (!current) return;
      const now = rfc3339(this.api.clock.now());
      const cm = meta(current);
      const finalizers = asArr(cm.finalizers).map(String);
      if (!finalizers.includes('customresourcecleanup.apiextensions.k8s.io')) finalizers.push('customresourcecleanup.apiextensions.k8s.io');
      this.api.store.update(crdType, {
        ...current,
        metadata: { ...cm, finalizers, resourceVersion: undefined },
        status: {
          acceptedNames: spec.names,
          storedVersions: asArr(spec.versions).filter(isObj).filter((v) => v.storage).map((v) => v.name),
          conditions: [
            { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
            { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
          ],
        },
      });
    });
  }
}
