import type { ResourceQuota } from '../ports/k8s-objects.js';
import type { PodResourceNeeds } from './pod-resources.js';
import { formatQuantity, parseQuantity, type NanoQuantity } from './quantity.js';

/** How the namespace's ResourceQuotas receive one more worker pod. */
export type QuotaAssessment =
  | { readonly fits: true; /** How many such pods still fit (Infinity when no quota limits them). */ readonly podsThatFit: number }
  | { readonly fits: false; readonly podsThatFit: 0; readonly detail: string };

const ONE = 1_000_000_000n;

/** The amount of one pod a quota key charges, or undefined for keys the provisioner does not track. */
function chargeOf(key: string, needs: PodResourceNeeds): { need: NanoQuantity; unset: boolean } | undefined {
  if (key === 'pods' || key === 'count/pods') return { need: ONE, unset: false };
  const [kind, resource] = key.startsWith('limits.')
    ? (['limits', key.slice('limits.'.length)] as const)
    : key.startsWith('requests.')
      ? (['requests', key.slice('requests.'.length)] as const)
      : key === 'cpu' || key === 'memory'
        ? (['requests', key] as const)
        : [undefined, undefined];
  if (!kind) return undefined;
  const map = kind === 'limits' ? needs.limits : needs.requests;
  const unsetSet = kind === 'limits' ? needs.unsetLimits : needs.unsetRequests;
  return { need: map.get(resource) ?? 0n, unset: unsetSet.has(resource) };
}

/**
 * Worker pods always carry `activeDeadlineSeconds` and resources, so they fall in the `Terminating`
 * and `NotBestEffort` scopes. Quotas with other scopes do not charge them; a scope selector we cannot
 * evaluate here counts as applying (the conservative answer).
 */
function appliesToWorkerPods(quota: ResourceQuota): boolean {
  const scopes = quota.spec?.scopes ?? [];
  return !scopes.some((s) => s === 'NotTerminating' || s === 'BestEffort');
}

/**
 * Compares what one more worker pod needs with every quota's `hard − used`. Hard and used come from
 * the quota's status (what the API server enforces), falling back to `spec.hard` and zero use for a
 * quota the controller has not yet counted.
 */
export function assessQuota(quotas: readonly ResourceQuota[], needs: PodResourceNeeds): QuotaAssessment {
  let podsThatFit = Number.POSITIVE_INFINITY;
  for (const quota of quotas) {
    if (!appliesToWorkerPods(quota)) continue;
    const name = quota.metadata?.name ?? '(unnamed)';
    const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
    const used = quota.status?.used ?? {};
    for (const [key, hardValue] of Object.entries(hard)) {
      const charge = chargeOf(key, needs);
      if (!charge) continue;
      if (charge.unset && key !== 'pods' && key !== 'count/pods') {
        return { fits: false, podsThatFit: 0, detail: `ResourceQuota ${name} tracks ${key} but a worker container does not set it` };
      }
      const free = parseQuantity(hardValue, `ResourceQuota ${name} hard.${key}`) - parseQuantity(used[key] ?? '0', `ResourceQuota ${name} used.${key}`);
      if (charge.need === 0n) continue;
      if (free < charge.need) {
        return {
          fits: false,
          podsThatFit: 0,
          detail: `ResourceQuota ${name}: ${key} needs ${formatQuantity(charge.need)}, ${formatQuantity(free < 0n ? 0n : free)} free of ${hardValue}`,
        };
      }
      podsThatFit = Math.min(podsThatFit, Number(free / charge.need));
    }
  }
  return { fits: true, podsThatFit };
}
