/**
 * The RunnerGroup status the controller writes: `activeSessions`, `observedGeneration`, the Ready
 * condition (True iff a session is open), the listener's own conditions, InvalidSpec, and whether the
 * group's acquisition tier exists in this AGC.
 */
import { RunnerGroupConditionReason, RunnerGroupConditionType, setCondition, type Condition, type ConditionInput, type RunnerGroupStatus } from '@actions-gateway/core';

/** Ready=False reason when the group asks for a tier this AGC does not run. */
export const TIER_UNAVAILABLE_REASON = 'TierUnavailable';
/** Ready=False reason when the listener could not be started. */
export const LISTENER_START_FAILED_REASON = 'ListenerStartFailed';

/** What one reconcile observed about a group. */
export interface ObservedGroup {
  readonly generation: number;
  readonly activeSessions: number;
  /** Listener-owned conditions, reported as they are now. */
  readonly listenerConditions: readonly ConditionInput[];
  /** Set when the spec could not be resolved; nothing new is started for it. */
  readonly invalidSpec?: string | undefined;
  /** Set when no listener runs for a reason other than zero sessions (tier missing, start failed). */
  readonly notRunning?: { readonly reason: string; readonly message: string } | undefined;
}

/** The Ready condition of a group. */
export function readyCondition(observed: ObservedGroup): ConditionInput {
  const base = { type: RunnerGroupConditionType.Ready, observedGeneration: observed.generation };
  if (observed.notRunning) return { ...base, status: 'False', reason: observed.notRunning.reason, message: observed.notRunning.message };
  if (observed.activeSessions > 0) {
    return { ...base, status: 'True', reason: RunnerGroupConditionReason.ListenerActive, message: `${observed.activeSessions} broker session(s) open` };
  }
  return { ...base, status: 'False', reason: RunnerGroupConditionReason.NoActiveSessions, message: 'no broker session is open; jobs stay queued at GitHub' };
}

/** Computes the new status from the live one; `lastTransitionTime` moves only on a status change. */
export function computeRunnerGroupStatus(live: RunnerGroupStatus | undefined, observed: ObservedGroup, now: Date): RunnerGroupStatus {
  let conditions: Condition[] = [...(live?.conditions ?? [])];
  const invalid: ConditionInput = observed.invalidSpec
    ? { type: RunnerGroupConditionType.InvalidSpec, status: 'True', reason: RunnerGroupConditionReason.InvalidSpec, message: observed.invalidSpec, observedGeneration: observed.generation }
    : { type: RunnerGroupConditionType.InvalidSpec, status: 'False', reason: RunnerGroupConditionReason.SpecValid, message: 'the spec resolves', observedGeneration: observed.generation };
  for (const c of [readyCondition(observed), invalid, ...observed.listenerConditions]) {
    conditions = setCondition(conditions, { ...c, observedGeneration: c.observedGeneration ?? observed.generation }, now);
  }
  return { activeSessions: observed.activeSessions, observedGeneration: observed.generation, conditions };
}
