import type { PriorityTier } from '../api/types.js';

/** The group's concurrency settings. */
export interface CeilingSettings {
  readonly maxWorkers?: number | undefined;
  readonly priorityTiers?: readonly PriorityTier[] | undefined;
}

/** Where the next pod lands, given the active (Pending + Running) pods of the group. */
export type CeilingDecision =
  | { readonly held: false; readonly priorityClassName?: string; /** Pods that still fit (Infinity: unbounded). */ readonly room: number }
  | { readonly held: true; readonly reason: 'ceiling' | 'tier'; readonly detail: string; readonly room: 0 };

/**
 * The group ceiling and the cumulative priority tiers: `maxWorkers` holds at `activePods ≥ maxWorkers`;
 * with tiers, the first tier in list order whose threshold is above `activePods` wins, and when every
 * tier is exhausted the job is held.
 */
export function decideCeiling(activePods: number, settings: CeilingSettings): CeilingDecision {
  const { maxWorkers, priorityTiers = [] } = settings;
  if (maxWorkers !== undefined && activePods >= maxWorkers) {
    return { held: true, reason: 'ceiling', detail: `${activePods} active worker pods, maxWorkers is ${maxWorkers}`, room: 0 };
  }
  const ceilingRoom = maxWorkers === undefined ? Number.POSITIVE_INFINITY : maxWorkers - activePods;
  if (priorityTiers.length === 0) return { held: false, room: ceilingRoom };
  const tier = priorityTiers.find((t) => activePods < t.threshold);
  if (!tier) {
    const last = Math.max(...priorityTiers.map((t) => t.threshold));
    return { held: true, reason: 'tier', detail: `${activePods} active worker pods, every priority tier is full (highest threshold ${last})`, room: 0 };
  }
  const tierRoom = Math.max(...priorityTiers.map((t) => t.threshold)) - activePods;
  return { held: false, priorityClassName: tier.priorityClassName, room: Math.min(ceilingRoom, tierRoom) };
}
