/**
 * The scale-set tier's conditions: `Degraded` while any of its problems lasts (name conflict, session held by
 * another process, scale set deleted behind the AGC's back, a message the cursor had passed), and
 * `RateLimited` while polls are answered 429. Each is reported False again once its cause is gone.
 */
import { RunnerGroupConditionReason as Reason, RunnerGroupConditionType as Type, type ConditionInput } from '@actions-gateway/core';

/** A cause of `Degraded`, in the order the condition's reason prefers them. */
export type ScaleSetProblem = 'ScaleSetNameConflict' | 'ScaleSetSessionConflict' | 'ScaleSetDeleted' | 'ScaleSetStaleMessage';

const order: readonly ScaleSetProblem[] = [Reason.ScaleSetNameConflict, Reason.ScaleSetSessionConflict, Reason.ScaleSetDeleted, Reason.ScaleSetStaleMessage];

/** The tier's live problems; `onChange` fires when the conditions they make change. */
export class TierConditions {
  readonly #problems = new Map<ScaleSetProblem, string>();
  #rateLimited: string | undefined;

  constructor(private readonly onChange: () => void) {}

  raise(problem: ScaleSetProblem, message: string): void {
    const had = this.#problems.get(problem);
    this.#problems.set(problem, message);
    if (had !== message) this.onChange();
  }

  clear(problem: ScaleSetProblem): void {
    if (this.#problems.delete(problem)) this.onChange();
  }

  has(problem: ScaleSetProblem): boolean {
    return this.#problems.has(problem);
  }

  rateLimited(message: string | undefined): void {
    if (this.#rateLimited === message) return;
    this.#rateLimited = message;
    this.onChange();
  }

  conditions(): ConditionInput[] {
    const active = order.filter((p) => this.#problems.has(p));
    const degraded: ConditionInput =
      active.length > 0
        ? { type: Type.Degraded, status: 'True', reason: active[0]!, message: active.map((p) => this.#problems.get(p)).join('; ') }
        : { type: Type.Degraded, status: 'False', reason: Reason.Healthy, message: 'the scale-set session is healthy' };
    const rate: ConditionInput =
      this.#rateLimited !== undefined
        ? { type: Type.RateLimited, status: 'True', reason: Reason.SustainedRateLimit, message: this.#rateLimited }
        : { type: Type.RateLimited, status: 'False', reason: Reason.RateLimitCleared, message: 'no rate limit on the scale-set queue' };
    return [degraded, rate];
  }
}
