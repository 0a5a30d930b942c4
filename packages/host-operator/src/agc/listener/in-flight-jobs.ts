/**
 * The AGC-wide set of jobs being handled, keyed by plan id (and, before an acquire, by runner request id).
 * Fan-out delivers one job to several sessions; the first `tryClaim` wins and the rest drop the delivery,
 * so one job never becomes two pods. The job Secret's create-or-409 is the second guard across restarts.
 */
export class InFlightJobs {
  readonly #keys = new Set<string>();
  /** Made with the first adoption: most AGCs start with no job to take over. */
  #adopted: Set<string> | undefined;

  /** True when `key` was free and is now held by the caller. */
  tryClaim(key: string): boolean {
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    return true;
  }

  release(key: string): void {
    this.#keys.delete(key);
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /**
   * Marks a plan an earlier AGC claimed and a listener of this one took over: the listener settles its end
   * (re-runs included), so the reconciler's handling of pods from an earlier AGC leaves it alone for good.
   */
  adopt(planId: string): void {
    (this.#adopted ??= new Set()).add(planId);
  }

  /** True for a plan a listener took over (see {@link adopt}). */
  adopted(planId: string): boolean {
    return this.#adopted?.has(planId) ?? false;
  }

  get size(): number {
    return this.#keys.size;
  }
}
