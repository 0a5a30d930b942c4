/**
 * The conditions a classic listener owns (Degraded, RateLimited, RunnerVersionTooOld) at their current
 * values. A condition appears once its cause was first judged and then stays, flipping to False when the
 * cause goes away. Changes call `onChange` so the controller writes status soon.
 */
import { RunnerGroupConditionReason as Reason, RunnerGroupConditionType as Type, type ConditionInput } from '@actions-gateway/core';

type Status = ConditionInput['status'];

/** The listener-owned conditions of one RunnerGroup. */
export class ListenerConditions {
  readonly #values = new Map<string, ConditionInput>();

  constructor(private readonly onChange: () => void) {}

  #set(type: string, status: Status, reason: string, message: string): void {
    const previous = this.#values.get(type);
    if (previous && previous.status === status && previous.reason === reason && previous.message === message) return;
    this.#values.set(type, { type, status, reason, message });
    this.onChange();
  }

  /** Every condition judged so far. */
  list(): ConditionInput[] {
    return [...this.#values.values()];
  }

  /** The value of one condition type, if judged. */
  get(type: string): ConditionInput | undefined {
    return this.#values.get(type);
  }

  /** A session was created: the version is accepted and, unless an agent was just recycled, the group is healthy. */
  sessionCreated(afterRecycle: boolean): void {
    this.#set(Type.RunnerVersionTooOld, 'False', Reason.VersionAccepted, 'GitHub accepted the runner version');
    if (this.#values.get(Type.Degraded)?.status === 'False') return;
    if (afterRecycle) this.#set(Type.Degraded, 'False', Reason.AgentRecycled, 'a stale agent was re-registered and its session created');
    else this.#set(Type.Degraded, 'False', Reason.Healthy, 'listener sessions are healthy');
  }

  versionTooOld(detail: string): void {
    this.#set(Type.RunnerVersionTooOld, 'True', Reason.VersionTooOld, detail);
  }

  unauthorized(detail: string): void {
    this.#set(Type.Degraded, 'True', Reason.Unauthorized, detail);
  }

  rateLimited(thresholdMs: number): void {
    this.#set(Type.RateLimited, 'True', Reason.SustainedRateLimit, `GitHub has answered polls with 429 for ${Math.round(thresholdMs / 60_000)} min or more`);
  }

  /** A good poll: a RateLimited condition, if any, is cleared. */
  pollSucceeded(): void {
    if (this.#values.get(Type.RateLimited)?.status === 'True') this.#set(Type.RateLimited, 'False', Reason.RateLimitCleared, 'polls succeed again');
  }
}
