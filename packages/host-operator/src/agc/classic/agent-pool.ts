/**
 * The pool of single-use JIT agents of one RunnerGroup (gag-system §4.3, without its defects): one agent per
 * index below `maxListeners` plus a few spares, each registered at GitHub as `<rg>-<i>` and kept in its
 * Secret. A session claims an agent; once it acquired a job the agent is spent: the pool replaces it in the
 * background (deregister, register again, rewrite the Secret) while the session moves on to a ready spare.
 * Agents left consumed by a failed replacement are repaired by the next `ensure`.
 */
import type { RunnerRegistrar } from '@actions-gateway/broker-client';
import { Labels, type Logger, type Secret } from '@actions-gateway/core';
import type { ControllerMetrics } from '@actions-gateway/metrics';
import type { AgentSecretStore } from './agent-secret-store.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { agentIndexOf, agentName, agentRunnerIdOf, agentSecretLabels, agentSecretName, buildAgentSecret, jitBlobOf, readAgentSecret, type AgentGroupRef, type PoolAgent } from './agent-secret.js';

/** Why an agent was re-registered (the `trigger` label of `agent_recycles_total`). */
export type RecycleTrigger = 'post_job' | 'stale_session' | 'startup' | 'reconcile_repair';

/** The group as the pool needs it now (labels may change with the RunnerGroup). */
export interface PoolGroup extends AgentGroupRef {
  readonly runnerLabels: readonly string[];
}

/** What an {@link AgentPool} runs on. */
export interface AgentPoolDeps {
  readonly store: AgentSecretStore;
  readonly registrar: Pick<RunnerRegistrar, 'generateJitConfig' | 'deleteRunner'>;
  readonly group: () => PoolGroup;
  /** `GITHUB_RUNNER_GROUP_ID` (GitHub's runner group; 1 is Default). */
  readonly runnerGroupId: number;
  readonly runnerVersion: string;
  readonly metrics: Pick<ControllerMetrics, 'agentRecycles' | 'agentRecycleErrors'>;
  readonly logger: Logger;
  /**
   * Bounds the registrations (and removals) at GitHub in flight at once; share one across the groups of an
   * AGC so a start with many groups stays polite. Default: a limit of {@link DEFAULT_REGISTRATION_CONCURRENCY} for this pool.
   */
  readonly registrations?: ConcurrencyLimit;
}

/** Registrations at GitHub in flight at once when no shared limit is given. */
export const DEFAULT_REGISTRATION_CONCURRENCY = 8;

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** The agents of one RunnerGroup. */
export class AgentPool {
  readonly #d: AgentPoolDeps;
  readonly #agents = new Map<number, PoolAgent>();
  readonly #claimed = new Set<number>();
  readonly #consumed = new Set<number>();
  readonly #registrations: ConcurrencyLimit;
  /** Spent agents being replaced in the background, by index. */
  readonly #replacing = new Map<number, Promise<void>>();
  readonly #readyWaiters = new Set<() => void>();
  /** `ensure` calls not finished (agents may still appear). */
  #ensures = 0;
  #ensuring: Promise<void> = Promise.resolve();

  constructor(deps: AgentPoolDeps) {
    this.#d = deps;
    this.#registrations = deps.registrations ?? new ConcurrencyLimit(DEFAULT_REGISTRATION_CONCURRENCY);
  }

  /** Agents registered now. */
  get size(): number {
    return this.#agents.size;
  }

  /** The agent of `index`, if registered. */
  agent(index: number): PoolAgent | undefined {
    return this.#agents.get(index);
  }

  #fields(index?: number): Record<string, unknown> {
    const g = this.#d.group();
    return { namespace: g.namespace, runner_group: g.name, ...(index !== undefined && { agent_index: index }) };
  }

  /**
   * Makes the pool hold agents 0…count-1: adopts the Secrets a previous AGC left, registers the missing,
   * removes unclaimed ones at or above `count`, and repairs parked (consumed, unclaimed) agents. Tries every
   * index; rejects with the first failure after that. Calls are serialised.
   */
  ensure(count: number, signal?: AbortSignal): Promise<void> {
    this.#ensures += 1;
    const run = this.#ensuring.then(() => this.#ensure(count, signal));
    this.#ensuring = run.catch(() => undefined);
    void this.#ensuring.finally(() => {
      this.#ensures -= 1;
      this.#wakeReady();
    });
    return run;
  }

  #wakeReady(): void {
    for (const wake of [...this.#readyWaiters]) wake();
  }

  async #ensure(count: number, signal?: AbortSignal): Promise<void> {
    const group = this.#d.group();
    const secrets = new Map<number, Secret>();
    for (const secret of await this.#d.store.list(agentSecretLabels(group.name))) {
      // A job Secret carries the group's labels too; it is the provisioner's, not a broken agent.
      if (secret.metadata?.labels?.[Labels.planId] !== undefined) continue;
      const index = agentIndexOf(secret);
      if (index === undefined) {
        this.#d.logger.warn({ ...this.#fields(), secret: secret.metadata?.name }, 'agent Secret without a valid index label; leaving it alone');
        continue;
      }
      secrets.set(index, secret);
    }
    const errors: Error[] = [];
    const attempt = async (index: number, what: string, work: () => Promise<void>): Promise<void> => {
      try {
        await work();
      } catch (err) {
        errors.push(asError(err));
        this.#d.logger.error({ ...this.#fields(index), err }, what);
      }
    };
    // Every index at once: the registrations themselves are bounded by the shared limit (not one after another).
    const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !this.#agents.has(index));
    await Promise.all(
      missing.map((index) => {
        const secret = secrets.get(index);
        if (!secret) return attempt(index, 'registering the agent failed', async () => void (await this.#register(index, undefined, signal)));
        return attempt(index, 'adopting the agent Secret failed', async () => {
          try {
            this.#agents.set(index, readAgentSecret(secret, group.name));
          } catch (err) {
            this.#d.logger.warn({ ...this.#fields(index), err }, 'agent Secret unusable; registering the agent again');
            await this.#register(index, agentRunnerIdOf(secret), signal);
          }
        });
      }),
    );
    // An agent being replaced is left to its replacement; the next ensure removes or repairs it.
    const busy = (i: number): boolean => this.#claimed.has(i) || this.#replacing.has(i);
    const excess = [...new Set([...secrets.keys(), ...this.#agents.keys()].filter((i) => i >= count && !busy(i)))];
    await Promise.all(excess.map((index) => attempt(index, 'removing the excess agent failed', () => this.#remove(index, secrets.get(index), signal))));
    const parked = [...this.#consumed].filter((index) => index < count && !busy(index));
    await Promise.all(parked.map((index) => attempt(index, 'repairing the parked agent failed', async () => void (await this.recycle(index, 'reconcile_repair', signal)))));
    if (errors.length > 0) throw errors[0]!;
  }

  /** Registers agent `index` (replacing `previousRunnerId`, best-effort) and writes its Secret. */
  #register(index: number, previousRunnerId: number | undefined, signal?: AbortSignal): Promise<PoolAgent> {
    return this.#registrations.run(() => this.#registerNow(index, previousRunnerId, signal), signal);
  }

  async #registerNow(index: number, previousRunnerId: number | undefined, signal?: AbortSignal): Promise<PoolAgent> {
    const group = this.#d.group();
    if (previousRunnerId !== undefined) await this.#deregister(index, previousRunnerId, signal);
    const name = agentName(group.name, index);
    const runner = await this.#d.registrar.generateJitConfig({ name, runnerGroupId: this.#d.runnerGroupId, labels: [...group.runnerLabels] }, signal);
    const agent: PoolAgent = { index, runnerId: runner.runnerId, name, jit: runner.jit };
    await this.#d.store.replace(buildAgentSecret(group, agent, this.#d.runnerVersion, runner.encodedJitConfig));
    this.#agents.set(index, agent);
    this.#consumed.delete(index);
    this.#wakeReady();
    this.#d.logger.info({ ...this.#fields(index), runner_id: agent.runnerId, runner_name: name }, 'agent registered');
    return agent;
  }

  async #deregister(index: number, runnerId: number, signal?: AbortSignal): Promise<void> {
    await this.#d.registrar.deleteRunner(runnerId, signal).catch((err: unknown) => {
      this.#d.logger.warn({ ...this.#fields(index), runner_id: runnerId, err }, 'deregistering the agent failed (best effort)');
    });
  }

  #remove(index: number, secret: Secret | undefined, signal?: AbortSignal): Promise<void> {
    return this.#registrations.run(() => this.#removeNow(index, secret, signal), signal);
  }

  async #removeNow(index: number, secret: Secret | undefined, signal?: AbortSignal): Promise<void> {
    const runnerId = this.#agents.get(index)?.runnerId ?? (secret ? agentRunnerIdOf(secret) : undefined);
    if (runnerId !== undefined) await this.#deregister(index, runnerId, signal);
    await this.#d.store.delete(agentSecretName(this.#d.group().name, index));
    this.#agents.delete(index);
    this.#consumed.delete(index);
  }

  /** GitHub's JIT blob of `agent`, read from its Secret (the pool does not keep it in memory). */
  async jitBlob(agent: PoolAgent): Promise<string> {
    const name = agentSecretName(this.#d.group().name, agent.index);
    return jitBlobOf(await this.#d.store.get(name), agent, name);
  }

  /** Claims the first available agent (registered, neither claimed nor consumed), or undefined. */
  claim(): PoolAgent | undefined {
    const free = [...this.#agents.keys()].sort((a, b) => a - b).find((i) => !this.#claimed.has(i) && !this.#consumed.has(i));
    if (free === undefined) return undefined;
    this.#claimed.add(free);
    return this.#agents.get(free);
  }

  /** Agents ready now: registered, neither claimed, consumed nor being replaced. */
  get ready(): number {
    return [...this.#agents.keys()].filter((i) => !this.#claimed.has(i) && !this.#consumed.has(i)).length;
  }

  /** Spent agents whose replacement is under way. */
  get replacing(): number {
    return this.#replacing.size;
  }

  /**
   * The agent of a session that acquired a job: GitHub consumed its registration. Gives the index up and
   * replaces the agent in the background (`post_job`, bounded by the registration limit), so the session can
   * take a ready agent at once. A failed replacement is counted and leaves the agent parked for `ensure`.
   */
  spend(index: number): void {
    this.#consumed.add(index);
    this.#claimed.delete(index);
    if (this.#replacing.has(index)) return;
    const replaced = this.recycle(index, 'post_job').then(
      () => undefined,
      () => undefined, // counted and logged by recycle; the agent stays parked
    );
    this.#replacing.set(index, replaced);
    void replaced.finally(() => {
      this.#replacing.delete(index);
      this.#wakeReady();
    });
  }

  /**
   * Claims a ready agent, waiting while one may still come (a replacement or an `ensure` under way: the first
   * agent registered at startup is taken at once, not after the whole pool); undefined when none is ready
   * and none is coming. Rejects when `signal` aborts.
   */
  async claimNext(signal: AbortSignal): Promise<PoolAgent | undefined> {
    for (;;) {
      signal.throwIfAborted();
      const agent = this.claim();
      if (agent || (this.#replacing.size === 0 && this.#ensures === 0)) return agent;
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          this.#readyWaiters.delete(done);
          signal.removeEventListener('abort', done);
          if (signal.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          else resolve();
        };
        this.#readyWaiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Resolves once no replacement is under way (before a shutdown hands the agents on, or deletes them). */
  async settled(): Promise<void> {
    while (this.#replacing.size > 0) await Promise.all([...this.#replacing.values()]);
  }

  /** Gives a claimed agent back; a consumed one stays parked until it is recycled. */
  release(index: number): void {
    this.#claimed.delete(index);
  }

  /** The agent acquired a job: GitHub consumed its single-use registration. */
  markConsumed(index: number): void {
    this.#consumed.add(index);
  }

  /**
   * Replaces agent `index` with a fresh registration under the same name: deregister the old runner
   * (best-effort), register, rewrite the Secret. Counts `agent_recycles_total{trigger}` or
   * `agent_recycle_errors_total`.
   */
  async recycle(index: number, trigger: RecycleTrigger, signal?: AbortSignal): Promise<PoolAgent> {
    const group = this.#d.group();
    const labels = { namespace: group.namespace, runner_group: group.name };
    try {
      const agent = await this.#register(index, this.#agents.get(index)?.runnerId, signal);
      this.#d.metrics.agentRecycles.inc({ ...labels, trigger });
      this.#d.logger.info({ ...this.#fields(index), trigger }, 'agent recycled');
      return agent;
    } catch (err) {
      this.#d.metrics.agentRecycleErrors.inc(labels);
      this.#d.logger.error({ ...this.#fields(index), trigger, err }, 'recycling the agent failed');
      throw err;
    }
  }

  /** Deregisters every agent (best-effort) and deletes every agent Secret of the group; rejects with the last failure. */
  async deleteAll(signal?: AbortSignal): Promise<void> {
    await this.#ensuring;
    // A replacement finishing after the list below would leave a runner and a Secret behind.
    await this.settled();
    const group = this.#d.group();
    let last: Error | undefined;
    const secrets = await this.#d.store.list(agentSecretLabels(group.name));
    const indices = new Set<number>(this.#agents.keys());
    for (const secret of secrets) {
      const index = agentIndexOf(secret);
      try {
        const runnerId = (index !== undefined ? this.#agents.get(index)?.runnerId : undefined) ?? agentRunnerIdOf(secret);
        if (runnerId !== undefined) await this.#deregister(index ?? -1, runnerId, signal);
        await this.#d.store.delete(secret.metadata?.name ?? '');
      } catch (err) {
        last = asError(err);
        this.#d.logger.error({ ...this.#fields(index), err }, 'deleting the agent failed');
      }
      if (index !== undefined) indices.delete(index);
    }
    for (const index of indices) await this.#deregister(index, this.#agents.get(index)!.runnerId, signal);
    this.#agents.clear();
    this.#consumed.clear();
    if (last) throw last;
  }
}
