/**
 * The per-run re-run budget (`maxEvictionRetries`): a hard lifetime cap per run id. Behind an interface so
 * the AGC can persist it (a restart must not hand a run a fresh budget).
 */
export interface RerunBudgetStore {
  /** Atomically takes one slot for `runId` when fewer than `max` are taken. Resolves whether it did. */
  reserve(runId: string, max: number): Promise<boolean>;
  /** Slots taken so far. */
  used(runId: string): Promise<number>;
}

/** The budget in memory (lost on restart). */
export class InMemoryRerunBudgetStore implements RerunBudgetStore {
  readonly #used = new Map<string, number>();

  reserve(runId: string, max: number): Promise<boolean> {
    const used = this.#used.get(runId) ?? 0;
    if (used >= max) return Promise.resolve(false);
    this.#used.set(runId, used + 1);
    return Promise.resolve(true);
  }

  used(runId: string): Promise<number> {
    return Promise.resolve(this.#used.get(runId) ?? 0);
  }
}
