import { boundedDnsLabel, boundedLabelValue } from '../naming/bounded-name.js';

/** The job Secret of a plan: `job-<planId>`, DNS-safe and bounded (hash-suffixed when it must be changed). */
export function jobSecretName(planId: string): string {
  return boundedDnsLabel(`job-${planId}`);
}

/** The worker pod of a plan: `runner-<group>-<planId>` within 63 characters, unique per (group, plan). */
export function workerPodName(groupName: string, planId: string): string {
  return boundedDnsLabel(`runner-${groupName}-${planId}`);
}

/** The `actions-gateway/plan-id` label value of a plan. */
export function planIdLabelValue(planId: string): string {
  return boundedLabelValue(planId);
}
