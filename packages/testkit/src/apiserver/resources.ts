// The REST semantics of every resource: create, read, list, update, patch and delete, independent of HTTP.
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import { runAdmission } from './admission.js';
import { applyBuiltinDefaults, checkDecodable, validateBuiltin, validateName } from './builtins.js';
import type { Clock } from '../clock.js';
import { rfc3339 } from './rfc3339.js';
import { ApiError, badRequest, conflict, invalid, notFound, required } from './errors.js';
import type { Obj } from './json.js';
import { asArr, asObj, clone, isObj, meta, str } from './json.js';
import { applyConfig, recordUpdate } from './managed-fields.js';
import { jsonPatch, mergePatch, strategicMerge } from './patch.js';
import type { Registry, ResourceType } from './registry.js';
import { apiVersionOf } from './registry.js';
import type { Selector } from './selectors.js';
import type { Store } from './store.js';

/** Options every write accepts. */
export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: string;
  force?: boolean;
  user?: string;
  warnings?: string[];
}

/** DELETE options (the body of a DELETE or its query). */
export interface DeleteOptions extends WriteOptions {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Content types of PATCH bodies. */
export const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

/** The server's resource layer. Every write goes through admission and then the store. */
export class Resources {
  readonly plugins: AdmissionPlugin[] = [];

  constructor(
    readonly registry: Registry,
    readonly store: Store,
    readonly clock: Clock,
  ) {}

  private requireNamespace(rt: ResourceType, ns: string | undefined): void {
    if (!rt.namespaced) return;
    if (!ns) throw badRequest('the server could not find the requested resource: a namespace is required');
    const nsType = this.registry.byPlural('', 'v1', 'namespaces')!;
    const found = this.store.get(nsType, undefined, ns);
    if (!found) throw notFound('namespaces', '', ns);
    if (meta(found).deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${rt.plural} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  private checkTypeMeta(rt: ResourceType, body: Obj): void {
    const apiVersion = apiVersionOf(rt);
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${str(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (body.kind !== undefined && body.kind !== rt.kind) {
      throw badRequest(`the kind in the data (${str(body.kind)}) does not match the expected kind (${rt.kind})`);
    }
    body.apiVersion = apiVersion;
    body.kind = rt.kind;
  }

  private req(op: AdmissionRequest['operation'], rt: ResourceType, ns: string | undefined, name: string, object: Obj | undefined, old: Obj | undefined, sub: string | undefined, o: WriteOptions): AdmissionRequest {
    return {
      operation: op,
      rt,
      namespace: rt.namespaced ? ns : undefined,
      name,
      object,
      oldObject: old,
      subresource: sub,
      dryRun: o.dryRun ?? false,
      fieldValidation: o.fieldValidation ?? 'Ignore',
      warnings: o.warnings ?? [],
      user: o.user ?? 'admin',
    };
  }

  private validate(rt: ResourceType, obj: Obj): void {
    const m = meta(obj);
    const name = str(m.name, '');
    const causes = [...validateName(rt, name), ...validateBuiltin(rt, obj)];
    if (causes.length) throw invalid(rt.kind, rt.group, name, causes);
  }

  async create(rt: ResourceType, ns: string | undefined, input: unknown, o: WriteOptions = {}): Promise<Obj> {
    if (!isObj(input)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(input)}'`);
    const obj = clone(input);
    this.checkTypeMeta(rt, obj);
    checkDecodable(rt, obj);
    const m = meta(obj);
    if (rt.namespaced) {
      if (m.namespace !== undefined && m.namespace !== '' && ns !== undefined && m.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = ns ?? m.namespace;
    }
    if (!m.name && !m.generateName) throw invalid(rt.kind, rt.group, '', [{ ...required('metadata.name'), message: 'Required value: name or generateName is required' }]);
    this.requireNamespace(rt, m.namespace as string | undefined);
    for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'generation']) delete m[f];
    if (rt.subresources.includes('status') && rt.custom) delete obj.status;
    applyBuiltinDefaults(rt, obj);
    const name = str(m.name, `${str(m.generateName)}xxxxx`);
    this.validate(rt, { ...obj, metadata: { ...m, name } });
    await runAdmission(this.plugins, this.req('CREATE', rt, m.namespace as string | undefined, name, obj, undefined, undefined, o));
    recordUpdate(undefined, obj, o.fieldManager ?? 'unknown', this.clock.now());
    if (o.dryRun) return { ...obj, metadata: { ...m, name, uid: 'dry-run', creationTimestamp: rfc3339(this.clock.now()) } };
    return this.store.create(rt, obj);
  }

  get(rt: ResourceType, ns: string | undefined, name: string): Obj {
    return this.store.mustGet(rt, ns, name);
  }

  /** A list page: `limit` objects after the `continue` token, with the list's resourceVersion. */
  list(rt: ResourceType, ns: string | undefined, select: Selector, limit?: number, cont?: string): { items: Obj[]; resourceVersion: string; continue?: string; remaining?: number } {
    let items = this.store.list(rt, ns, select);
    let rv = String(this.store.resourceVersion);
    if (cont) {
      let token: { rv: string; start: string };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64url').toString()) as { rv: string; start: string };
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
      if (Number(token.rv) < this.store.oldestResumable) {
        throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      rv = token.rv;
      items = items.filter((i) => keyOf(i) > token.start);
    }
    if (limit && limit > 0 && items.length > limit) {
      const page = items.slice(0, limit);
      const next = Buffer.from(JSON.stringify({ rv, start: keyOf(page[page.length - 1]!) })).toString('base64url');
      return { items: page, resourceVersion: rv, continue: next, remaining: items.length - limit };
    }
    return { items, resourceVersion: rv };
  }

  /** PUT of the object or of its status subresource. */
  async update(rt: ResourceType, ns: string | undefined, name: string, input: unknown, o: WriteOptions = {}, sub?: string): Promise<Obj> {
    if (!isObj(input)) throw badRequest('the body of the request was in an unknown format');
    const body = clone(input);
    this.checkTypeMeta(rt, body);
    checkDecodable(rt, body);
    const bm = meta(body);
    if (bm.name !== undefined && bm.name !== name) {
      throw badRequest(`the name of the object (${str(bm.name)}) does not match the name on the URL (${name})`);
    }
    bm.name = name;
    if (rt.namespaced) bm.namespace = ns;
    const old = this.store.get(rt, ns, name);
    if (!old) {
      if (sub) throw notFound(rt.plural, rt.group, name);
      // PUT creates when the object is absent, as the real server allows for most kinds.
      return this.create(rt, ns, body, o);
    }
    const next = this.shapeUpdate(rt, old, body, sub);
    return this.commitUpdate(rt, ns, name, old, next, o, sub);
  }

  /** Keeps the half of the object a given endpoint may not change. */
  private shapeUpdate(rt: ResourceType, old: Obj, body: Obj, sub: string | undefined): Obj {
    if (sub === 'status') {
      const next = clone(old);
      next.status = body.status;
      const m = meta(next);
      m.resourceVersion = meta(body).resourceVersion ?? m.resourceVersion;
      return next;
    }
    if (rt.subresources.includes('status')) {
      if (old.status === undefined) delete body.status;
      else body.status = old.status;
    }
    const m = meta(body);
    const om = meta(old);
    if (om.managedFields && !m.managedFields) m.managedFields = om.managedFields;
    return body;
  }

  private async commitUpdate(rt: ResourceType, ns: string | undefined, name: string, old: Obj, next: Obj, o: WriteOptions, sub: string | undefined): Promise<Obj> {
    const m = meta(next);
    const om = meta(old);
    // System fields come from the stored object whatever the client sent, as the real registry does.
    m.uid = om.uid;
    m.creationTimestamp = om.creationTimestamp;
    if (om.deletionTimestamp && asArr(m.finalizers).some((f) => !asArr(om.finalizers).includes(f))) {
      throw new ApiError(422, 'Invalid', `${rt.kind} "${name}" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted`);
    }
    this.validate(rt, next);
    await runAdmission(this.plugins, this.req('UPDATE', rt, ns, name, next, old, sub, o));
    if (o.fieldManager !== undefined || m.managedFields !== undefined) recordUpdate(old, next, o.fieldManager ?? 'unknown', this.clock.now(), sub);
    if (o.dryRun) return next;
    return this.store.update(rt, next);
  }

  async patch(rt: ResourceType, ns: string | undefined, name: string, type: PatchType, body: unknown, o: WriteOptions = {}, sub?: string): Promise<Obj> {
    const old = this.store.get(rt, ns, name);
    if (type === 'apply') {
      if (!isObj(body)) throw badRequest('error decoding YAML: the body of an apply patch must be an object');
      if (!o.fieldManager) throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const applied = clone(body);
      this.checkTypeMeta(rt, applied);
      checkDecodable(rt, applied);
      const am = meta(applied);
      if (am.name !== undefined && am.name !== name) throw badRequest(`the name of the object (${str(am.name)}) does not match the name on the URL (${name})`);
      if (!old) {
        if (sub) throw notFound(rt.plural, rt.group, name);
        const fresh = applyConfig({ apiVersion: applied.apiVersion, kind: rt.kind, metadata: { name, ...(rt.namespaced ? { namespace: ns } : {}) } }, applied, o.fieldManager, true, this.clock.now());
        const { managedFields, ...rest } = meta(fresh);
        const created = await this.create(rt, ns, { ...fresh, metadata: rest }, { ...o, fieldManager: undefined });
        if (o.dryRun) return created;
        const cm = meta(created);
        cm.managedFields = managedFields;
        return this.store.update(rt, created);
      }
      const next = applyConfig(old, applied, o.fieldManager, o.force ?? false, this.clock.now(), sub);
      const shaped = sub === 'status' ? this.shapeUpdate(rt, old, next, sub) : next;
      if (!sub && rt.subresources.includes('status')) shaped.status = old.status;
      if (!sub && rt.subresources.includes('status') && old.status === undefined) delete shaped.status;
      meta(shaped).resourceVersion = meta(old).resourceVersion;
      meta(shaped).managedFields = meta(next).managedFields;
      if (o.dryRun) return shaped;
      this.validate(rt, shaped);
      await runAdmission(this.plugins, this.req('UPDATE', rt, ns, name, shaped, old, sub, o));
      return this.store.update(rt, shaped);
    }
    if (!old) throw notFound(rt.plural, rt.group, name);
    if (type === 'strategic' && rt.custom) {
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    }
    let patched: unknown;
    if (type === 'json') patched = jsonPatch(old, body);
    else if (type === 'merge') patched = mergePatch(old, body);
    else patched = strategicMerge(old, body);
    if (!isObj(patched)) throw badRequest('the patch produced something that is not an object');
    this.checkTypeMeta(rt, patched);
    checkDecodable(rt, patched);
    const pm = meta(patched);
    if (pm.name !== name) throw badRequest(`the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`);
    // Without a resourceVersion in the patch itself, a patch applies to whatever is current (no 409).
    const patchRv = isObj(body) ? asObj(body.metadata).resourceVersion : undefined;
    if (patchRv === undefined) pm.resourceVersion = meta(old).resourceVersion;
    const next = this.shapeUpdate(rt, old, patched, sub);
    return this.commitUpdate(rt, ns, name, old, next, { ...o, fieldManager: o.fieldManager ?? 'unknown' }, sub);
  }

  /**
   * DELETE: finalizers and graceful pods only mark the object (deletionTimestamp); otherwise it goes at once
   * and the garbage collector handles its dependents per `propagationPolicy`.
   */
  async delete(rt: ResourceType, ns: string | undefined, name: string, o: DeleteOptions = {}): Promise<{ object: Obj; gone: boolean }> {
    const obj = this.store.mustGet(rt, ns, name);
    const m = meta(obj);
    const pre = o.preconditions ?? {};
    if (pre.uid && pre.uid !== m.uid) {
      throw conflict(rt.plural, rt.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(m.uid)}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== m.resourceVersion) {
      throw conflict(rt.plural, rt.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(m.resourceVersion)}`);
    }
    const policy = o.propagationPolicy;
    if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw invalid('DeleteOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`, field: 'propagationPolicy' }]);
    }
    await runAdmission(this.plugins, this.req('DELETE', rt, ns, name, undefined, obj, undefined, o));
    if (o.dryRun) return { object: obj, gone: false };
    const now = this.clock.now();
    if (rt.group === '' && rt.kind === 'Pod') {
      const spec = asObj(obj.spec);
      const phase = asObj(obj.status).phase;
      const grace = o.gracePeriodSeconds ?? Number(spec.terminationGracePeriodSeconds ?? 30);
      const terminal = phase === 'Succeeded' || phase === 'Failed';
      if (spec.nodeName && !terminal && grace > 0) {
        const current = m.deletionGracePeriodSeconds as number | undefined;
        if (current === undefined || grace < current) {
          m.deletionTimestamp = rfc3339(now + grace * 1000);
          m.deletionGracePeriodSeconds = grace;
          this.addGcFinalizer(m, policy);
          return { object: this.store.update(rt, { ...obj, metadata: { ...m, resourceVersion: undefined } }), gone: false };
        }
        return { object: obj, gone: false };
      }
    }
    if (rt.group === '' && rt.kind === 'Namespace') {
      if (m.deletionTimestamp) return { object: obj, gone: false };
      m.deletionTimestamp = rfc3339(now);
      m.deletionGracePeriodSeconds = 0;
      obj.status = { ...asObj(obj.status), phase: 'Terminating' };
      return { object: this.store.update(rt, { ...obj, metadata: { ...m, resourceVersion: undefined } }), gone: false };
    }
    this.addGcFinalizer(m, policy);
    if (asArr(m.finalizers).length > 0) {
      if (!m.deletionTimestamp) {
        m.deletionTimestamp = rfc3339(now);
        m.deletionGracePeriodSeconds = 0;
        return { object: this.store.update(rt, { ...obj, metadata: { ...m, resourceVersion: undefined } }), gone: false };
      }
      if (m.deletionGracePeriodSeconds) {
        m.deletionGracePeriodSeconds = 0;
        return { object: this.store.update(rt, { ...obj, metadata: { ...m, resourceVersion: undefined } }), gone: false };
      }
      return { object: obj, gone: false };
    }
    return { object: this.store.remove(rt, ns, name), gone: true };
  }

  private addGcFinalizer(m: Obj, policy: string | undefined): void {
    const fin = asArr(m.finalizers).map(String);
    if (policy === 'Foreground' && !fin.includes('foregroundDeletion')) fin.push('foregroundDeletion');
    if (policy === 'Orphan' && !fin.includes('orphan')) fin.push('orphan');
    if (fin.length) m.finalizers = fin;
  }
}

function keyOf(o: Obj): string {
  const m = meta(o);
  return `${str(m.namespace, '')}/${String(m.name)}`;
}
