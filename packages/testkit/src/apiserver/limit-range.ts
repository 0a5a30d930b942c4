// LimitRange: container defaults (limits and requests) on pod create, and per-container max/min.
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import { forbidden } from './errors.js';
import { asArr, asObj, isObj, str } from './json.js';
import { parseQuantity } from './quantity.js';
import type { Resources } from './resources.js';

export function limitRangeAdmission(api: Resources): AdmissionPlugin {
  const ranges = (ns: string) => api.store.list(api.registry.byPlural('', 'v1', 'limitranges')!, ns).flatMap((lr) => asArr(asObj(lr.spec).limits).filter(isObj).filter((l) => l.type === 'Container'));
  return {
    name: 'LimitRanger',
    mutate(req: AdmissionRequest) {
      if (req.operation !== 'CREATE' || req.rt.group !== '' || req.rt.kind !== 'Pod' || !req.object || !req.namespace) return;
      for (const l of ranges(req.namespace)) {
        const defLimits = asObj(l.default);
        const defRequests = { ...defLimits, ...asObj(l.defaultRequest) };
        for (const c of [...asArr(asObj(req.object.spec).containers), ...asArr(asObj(req.object.spec).initContainers)].filter(isObj)) {
          const res = asObj(c.resources);
          const limits = asObj(res.limits);
          const requests = asObj(res.requests);
          for (const [k, v] of Object.entries(defLimits)) if (limits[k] === undefined) limits[k] = v;
          // Requests equal to user-set limits were already filled by pod defaulting, before admission.
          for (const [k, v] of Object.entries(defRequests)) if (requests[k] === undefined) requests[k] = v;
          c.resources = { ...res, ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
        }
      }
    },
    validate(req: AdmissionRequest) {
      if (req.operation !== 'CREATE' || req.rt.group !== '' || req.rt.kind !== 'Pod' || !req.object || !req.namespace) return;
      for (const l of ranges(req.namespace)) {
        for (const c of asArr(asObj(req.object.spec).containers).filter(isObj)) {
          const res = asObj(c.resources);
          for (const [k, max] of Object.entries(asObj(l.max))) {
            const lim = asObj(res.limits)[k];
            if (lim !== undefined && parseQuantity(lim) > parseQuantity(max)) {
              throw forbidden('pods', '', req.name, `maximum ${k} usage per Container is ${str(max)}, but limit is ${str(lim)}`);
            }
          }
          for (const [k, min] of Object.entries(asObj(l.min))) {
            const r = asObj(res.requests)[k];
            if (r !== undefined && parseQuantity(r) < parseQuantity(min)) {
              throw forbidden('pods', '', req.name, `minimum ${k} usage per Container is ${str(min)}, but request is ${str(r)}`);
            }
          }
        }
      }
    },
  };
}
