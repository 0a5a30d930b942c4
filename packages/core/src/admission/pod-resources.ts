import type { Container, PodSpec, ResourceRequirements } from '../api/kube-types.js';
import type { LimitRange } from '../ports/k8s-objects.js';
import { parseQuantity, type NanoQuantity } from './quantity.js';

/** The requests and limits a pod will be charged with, per resource name, in nano-units. */
export interface PodResourceNeeds {
  readonly requests: ReadonlyMap<string, NanoQuantity>;
  readonly limits: ReadonlyMap<string, NanoQuantity>;
  /** Resource names some container leaves without a request / limit (quota requires them on every container). */
  readonly unsetRequests: ReadonlySet<string>;
  readonly unsetLimits: ReadonlySet<string>;
}

/**
 * A container's requirements as the API server will store them: the namespace's LimitRange
 * `defaultRequest` and `default` fill what the container leaves out, then a limit without a request
 * becomes the request (API defaulting).
 */
export function effectiveRequirements(container: Container, limitRanges: readonly LimitRange[]): ResourceRequirements {
  const requests = { ...container.resources?.requests };
  const limits = { ...container.resources?.limits };
  for (const range of limitRanges) {
    for (const item of range.spec?.limits ?? []) {
      if (item.type !== 'Container') continue;
      for (const [name, value] of Object.entries(item.default ?? {})) limits[name] ??= value;
      for (const [name, value] of Object.entries(item.defaultRequest ?? {})) requests[name] ??= value;
    }
  }
  for (const [name, value] of Object.entries(limits)) requests[name] ??= value;
  return { requests, limits };
}

function addAll(into: Map<string, NanoQuantity>, list: Record<string, string> | undefined, field: string): void {
  for (const [name, value] of Object.entries(list ?? {})) {
    into.set(name, (into.get(name) ?? 0n) + parseQuantity(value, `${field}.${name}`));
  }
}

function maxInto(into: Map<string, NanoQuantity>, from: Map<string, NanoQuantity>): void {
  for (const [name, value] of from) if (value > (into.get(name) ?? 0n)) into.set(name, value);
}

/**
 * What a pod with this spec is charged against a ResourceQuota: for each resource the larger of the
 * sum over its containers and the largest init container (the scheduler's and quota's rule).
 * Throws a QuantityError naming the container field when a quantity does not parse.
 */
export function podResourceNeeds(spec: PodSpec, limitRanges: readonly LimitRange[] = []): PodResourceNeeds {
  const requests = new Map<string, NanoQuantity>();
  const limits = new Map<string, NanoQuantity>();
  const unsetRequests = new Set<string>();
  const unsetLimits = new Set<string>();
  const initMax = { requests: new Map<string, NanoQuantity>(), limits: new Map<string, NanoQuantity>() };
  const all = [...spec.containers.map((c) => ({ c, init: false })), ...(spec.initContainers ?? []).map((c) => ({ c, init: true }))];
  const effective = all.map(({ c, init }) => ({ c, init, r: effectiveRequirements(c, limitRanges) }));
  for (const { c, init, r } of effective) {
    const field = `${init ? 'initContainers' : 'containers'}[${c.name}].resources`;
    const req = new Map<string, NanoQuantity>();
    const lim = new Map<string, NanoQuantity>();
    addAll(req, r.requests, `${field}.requests`);
    addAll(lim, r.limits, `${field}.limits`);
    if (init) {
      maxInto(initMax.requests, req);
      maxInto(initMax.limits, lim);
    } else {
      for (const [n, v] of req) requests.set(n, (requests.get(n) ?? 0n) + v);
      for (const [n, v] of lim) limits.set(n, (limits.get(n) ?? 0n) + v);
    }
  }
  maxInto(requests, initMax.requests);
  maxInto(limits, initMax.limits);
  for (const name of ['cpu', 'memory']) {
    for (const { r } of effective) {
      if (r.requests?.[name] === undefined) unsetRequests.add(name);
      if (r.limits?.[name] === undefined) unsetLimits.add(name);
    }
  }
  return { requests, limits, unsetRequests, unsetLimits };
}
