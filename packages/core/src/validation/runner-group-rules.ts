// Cross-field rules of a RunnerGroup spec (CEL in the CRD) and the PriorityClass allowlist.
import { isRecord, ownValue } from '../api/safe-object.js';
import { child, item } from './path.js';
import type { Findings } from './schema-check.js';
import { checkWorkerTemplate, type PrivilegePolicy } from './worker-template.js';

/** What the spec-level checks need beyond the spec. */
export interface RunnerGroupPolicy extends PrivilegePolicy {
  readonly allowedPriorityClasses: readonly string[] | undefined;
}

function tierThresholds(tiers: readonly unknown[]): Array<number | undefined> {
  return tiers.map((t) => {
    const v = isRecord(t) ? ownValue(t, 'threshold') : undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  });
}

/** Every check on one RunnerGroup spec (or `spec.runnerGroups[i]` entry) at `path`. */
export function checkRunnerGroupSpec(spec: unknown, path: string, policy: RunnerGroupPolicy, out: Findings): void {
  if (!isRecord(spec)) return;
  const tiers = ownValue(spec, 'priorityTiers');
  const tierList = Array.isArray(tiers) ? tiers.slice(0, 64) : [];
  const tiersPath = child(path, 'priorityTiers');
  const thresholds = tierThresholds(tierList);

  for (let i = 1; i < thresholds.length; i++) {
    const prev = thresholds[i - 1];
    const cur = thresholds[i];
    if (prev !== undefined && cur !== undefined && cur <= prev) {
      const p = child(item(tiersPath, i), 'threshold');
      out.violations.push({ path: p, rule: 'ascending', message: `${p} (${cur}) must be greater than the previous tier's threshold (${prev}): thresholds are strictly ascending` });
    }
  }

  const maxWorkers = ownValue(spec, 'maxWorkers');
  const last = thresholds[thresholds.length - 1];
  if (typeof maxWorkers === 'number' && last !== undefined && maxWorkers !== last) {
    const p = child(path, 'maxWorkers');
    out.violations.push({ path: p, rule: 'maxWorkersMatchesTiers', message: `${p} (${maxWorkers}) must equal the last priorityTiers threshold (${last}) when both are set` });
  }

  if (policy.allowedPriorityClasses !== undefined) {
    const allowed = [...policy.allowedPriorityClasses].sort();
    tierList.forEach((t, i) => {
      const name = isRecord(t) ? ownValue(t, 'priorityClassName') : undefined;
      if (typeof name === 'string' && !allowed.includes(name)) {
        const p = child(item(tiersPath, i), 'priorityClassName');
        const list = allowed.length ? `allowed: ${allowed.join(', ')}` : 'no PriorityClass is allowed on this cluster';
        out.violations.push({ path: p, rule: 'priorityClassNotAllowed', message: `${p}: PriorityClass "${name}" is not on the allowlist (${list})` });
      }
    });
  }

  checkWorkerTemplate(ownValue(spec, 'podTemplate'), child(path, 'podTemplate'), policy, out);
}
