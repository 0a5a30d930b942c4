import type { Condition } from './types.js';

/** A condition to set; `lastTransitionTime` is filled by {@link setCondition}. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns `conditions` with `next` set (a new array). `lastTransitionTime` moves to `now` only when the status
 * changes, as Kubernetes convention asks; reason, message and observedGeneration always take the new values.
 */
export function setCondition(conditions: readonly Condition[] | undefined, next: ConditionInput, now: Date): Condition[] {
  const list = conditions ?? [];
  const previous = list.find((c) => c.type === next.type);
  const lastTransitionTime =
    previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const updated: Condition = { ...next, lastTransitionTime };
  return previous ? list.map((c) => (c.type === next.type ? updated : c)) : [...list, updated];
}

/** The condition of `type`, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
