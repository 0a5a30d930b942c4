// ResourceQuota: admission on pod create (the real 403 "exceeded quota" message) and status.used kept current.
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import { forbidden } from './errors.js';
import type { Obj } from './json.js';
import { asArr, asObj, deepEqual, isObj, meta } from './json.js';
import { formatQuantity, parseQuantity } from './quantity.js';
import type { Resources } from './resources.js';
import type { StoreEvent } from './store.js';

const terminal = (p: Obj): boolean => ['Succeeded', 'Failed'].includes(String(asObj(p.status).phase));

/** Normalises quota keys: bare `cpu`/`memory` mean requests; `count/pods` means pods. */
const canonical = (key: string): string => (key === 'cpu' || key === 'memory' ? `requests.${key}` : key === 'count/pods' ? 'pods' : key);

/** What one pod counts against each quota resource. */
export function podUsage(pod: Obj): Record<string, number> {
  const spec = asObj(pod.spec);
  const out: Record<string, number> = { pods: 1 };
  for (const c of asArr(spec.containers).filter(isObj)) {
    const res = asObj(c.resources);
    const limits = asObj(res.limits);
    const requests = { ...Object.fromEntries(Object.entries(limits).filter(([k]) => k.includes('/'))), ...asObj(res.requests) };
    for (const [k, v] of Object.entries(requests)) out[`requests.${k}`] = (out[`requests.${k}`] ?? 0) + parseQuantity(v, `spec.containers[].resources.requests[${k}]`);
    for (const [k, v] of Object.entries(limits)) out[`limits.${k}`] = (out[`limits.${k}`] ?? 0) + parseQuantity(v, `spec.containers[].resources.limits[${k}]`);
  }
  return out;
}

function usedIn(api: Resources, ns: string, keys: string[]): Record<string, number> {
  const pods = api.store.list(api.registry.byPlural('', 'v1', 'pods')!, ns).filter((p) => !terminal(p));
  const used: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const p of pods) {
    const u = podUsage(p);
    for (const k of keys) used[k] = (used[k] ?? 0) + (u[canonical(k)] ?? 0);
  }
  return used;
}

/** Rejects pod creates that would exceed a quota in their namespace. */
export function quotaAdmission(api: Resources): AdmissionPlugin {
  return {
    name: 'ResourceQuota',
    validate(req: AdmissionRequest) {
      if (req.operation !== 'CREATE' || req.rt.group !== '' || req.rt.kind !== 'Pod' || !req.object || !req.namespace) return;
      const quotas = api.store.list(api.registry.byPlural('', 'v1', 'resourcequotas')!, req.namespace);
      const wants = podUsage(req.object);
      for (const q of quotas) {
        const hard = asObj(asObj(q.spec).hard);
        const keys = Object.keys(hard).sort();
        const tracked = keys.filter((k) => canonical(k) !== 'pods' && /^(requests|limits)\.(cpu|memory)$/.test(canonical(k)));
        const missing = tracked.filter((k) => wants[canonical(k)] === undefined);
        if (missing.length) throw forbidden('pods', '', req.name, `failed quota: ${String(meta(q).name)}: must specify ${missing.join(',')}`);
        const used = usedIn(api, req.namespace, keys);
        const over = keys.filter((k) => (wants[canonical(k)] ?? 0) > 0 && (used[k] ?? 0) + (wants[canonical(k)] ?? 0) > parseQuantity(hard[k], `spec.hard[${k}]`));
        if (over.length === 0) continue;
        const list = (f: (k: string) => number): string => over.map((k) => `${k}=${formatQuantity(f(k), k)}`).join(',');
        throw forbidden(
          'pods',
          '',
          req.name,
          `exceeded quota: ${String(meta(q).name)}, requested: ${list((k) => wants[canonical(k)] ?? 0)}, used: ${list((k) => used[k] ?? 0)}, limited: ${list((k) => parseQuantity(hard[k]))}`,
        );
      }
    },
  };
}

/** Keeps every quota's `status.hard` and `status.used` current as pods come and go. */
export class QuotaController {
  private readonly unsubscribe: () => void;
  private readonly pending = new Set<string>();

  constructor(private readonly api: Resources) {
    this.unsubscribe = api.store.subscribe((ev) => this.onEvent(ev));
  }

  stop(): void {
    this.unsubscribe();
  }

  private onEvent(ev: StoreEvent): void {
    if (ev.key !== '/pods' && ev.key !== '/resourcequotas') return;
    if (this.pending.has(ev.namespace)) return;
    this.pending.add(ev.namespace);
    setImmediate(() => {
      this.pending.delete(ev.namespace);
      this.refresh(ev.namespace);
    });
  }

  private refresh(ns: string): void {
    const rt = this.api.registry.byPlural('', 'v1', 'resourcequotas')!;
    for (const q of this.api.store.list(rt, ns)) {
      const hard = asObj(asObj(q.spec).hard);
      const used = usedIn(this.api, ns, Object.keys(hard));
      const status = { hard, used: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, formatQuantity(v, k)])) };
      if (deepEqual(q.status, status)) continue;
      try {
        this.api.store.update(rt, { ...q, status, metadata: { ...meta(q), resourceVersion: undefined } });
      } catch {
        // Deleted meanwhile.
      }
    }
  }
}
