/**
 * The classic acquisition tier (`acquisitionProtocol: Classic`): per RunnerGroup an agent pool of
 * single-use JIT runners, a multiplexer of broker sessions, and the listener loops that claim only the jobs
 * that fit and run each in a worker pod. A listener first takes over the jobs an earlier AGC claimed for its
 * group (`adopt-jobs.ts`).
 */
import { GitHubRestClient, RunServiceClient, RunnerRegistrar, type Clock as BrokerClock, type Random } from '@actions-gateway/broker-client';
import { MAX_SPARE_AGENTS, type Clock, type ConditionInput, type ProvisionerGroup, type WorkerPodJobRef } from '@actions-gateway/core';
import type { KubeConfig } from '@kubernetes/client-node';
import type { GitHubAccess, GroupListener, ListenerContext, ListenerGroup, ListenerStopReason, ListenerTierFactory } from '../listener/group-listener.js';
import { adoptStagedJobs, type AdoptionDeps } from './adopt-jobs.js';
import { AgentPool, DEFAULT_REGISTRATION_CONCURRENCY, type PoolGroup } from './agent-pool.js';
import { createAgentSecretStore, type AgentSecretStore } from './agent-secret-store.js';
import { toBrokerClock, withDeadline } from './clock.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { GroupAdmission } from './group-admission.js';
import { HeldJobs } from './held-jobs.js';
import { ListenerConditions } from './listener-conditions.js';
import { Multiplexer } from './multiplexer.js';
import type { SessionLoopDeps } from './session-loop.js';
import { DEFAULT_CLASSIC_TIMINGS, type ClassicTierTimings } from './timings.js';

/** How {@link createClassicListenerTier} is wired. */
export interface ClassicTierOptions {
  /** Where agent Secrets are read and written (direct calls; never an informer). */
  readonly kubeConfig: KubeConfig;
  /** `GITHUB_RUNNER_GROUP_ID`: GitHub's runner group the agents register in (organization scope). Default 1. */
  readonly runnerGroupId?: number;
  readonly os?: 'Linux' | 'Windows' | 'macOS';
  readonly architecture?: 'X64' | 'X86' | 'ARM' | 'ARM64';
  /** Overrides of the production timings (tests shrink them). */
  readonly timings?: Partial<ClassicTierTimings>;
  /** Jitter source of the poll back-off. */
  readonly random?: Random;
  /** Replaces the client-node agent Secret store (an embedder with its own Kubernetes client). */
  readonly secretStore?: (namespace: string) => AgentSecretStore;
  /**
   * Agent registrations (and removals) at GitHub in flight at once, across every RunnerGroup of this tier.
   * Default {@link DEFAULT_REGISTRATION_CONCURRENCY}.
   */
  readonly registrationConcurrency?: number;
  /**
   * Pre-registered spare agents per RunnerGroup beyond `maxListeners` (default 0) for a group whose spec does
   * not set `spec.spareAgents` (which wins): a session that just acquired a job opens its next session on a
   * spare at once while its spent agent is replaced in the background. Each spare is one more registered
   * runner at GitHub and one more Secret; they are removed with the group like every agent.
   */
  readonly spareAgents?: number;
}

/** The classic tier's {@link GroupListener}: also exposes its agent pool size and session loops for status and tests. */
export interface ClassicGroupListener extends GroupListener {
  /** Agents registered now. */
  agents(): number;
  /** Session loops alive (polling, or opening a session). */
  activeLoops(): number;
  /** Agents ready for a session now (registered, unclaimed, not spent). */
  readyAgents(): number;
}

/**
 * Makes the classic tier's listener factory. Each listener starts at once: it registers its agents, opens
 * the permanent session and polls. `stop('deleted')` also deregisters the agents and deletes their Secrets
 * (call it from the RunnerGroup finalizer before removing the finalizer; it may be called again after a failure).
 */
export function createClassicListenerTier(options: ClassicTierOptions): ListenerTierFactory {
  const spares = options.spareAgents ?? 0;
  if (!Number.isInteger(spares) || spares < 0 || spares > MAX_SPARE_AGENTS) throw new RangeError(`spareAgents must be a whole number from 0 to ${MAX_SPARE_AGENTS}, got ${spares}`);
  const timings: ClassicTierTimings = { ...DEFAULT_CLASSIC_TIMINGS, ...options.timings };
  const shared = new TierShared(options, timings);
  return (context: ListenerContext): ClassicGroupListener => new ClassicListener(context, options, timings, shared);
}

/** Session settings every group of the tier polls with (no agent in them). */
type SessionSettings = SessionLoopDeps['session'];

/** What the groups of a tier share per GitHub access. */
interface TierGitHub {
  readonly brokerClock: BrokerClock;
  readonly registrar: RunnerRegistrar;
  readonly session: SessionSettings;
  /** Renew and complete of jobs whose acquiring session is gone (taken over from an earlier AGC). */
  readonly runService: RunServiceClient;
}

/**
 * What every group of one tier can share instead of holding its own copy: the agent Secret store of a
 * namespace (one client-node API object), the registrar on one GitHub access (one REST client, so a
 * `Retry-After` GitHub sends holds every group's registrations, as it is meant to), the registration limit,
 * the broker clock and the session settings. An idle group then holds little more than its session.
 */
class TierShared {
  /** Registrations (and removals) at GitHub in flight at once, across every group of the tier. */
  readonly registrations: ConcurrencyLimit;
  readonly #stores = new Map<string, AgentSecretStore>();
  readonly #byAccess = new WeakMap<GitHubAccess, TierGitHub & { readonly clock: Clock }>();

  constructor(
    private readonly options: ClassicTierOptions,
    private readonly timings: ClassicTierTimings,
  ) {
    this.registrations = new ConcurrencyLimit(options.registrationConcurrency ?? DEFAULT_REGISTRATION_CONCURRENCY);
  }

  store(namespace: string): AgentSecretStore {
    let store = this.#stores.get(namespace);
    if (!store) {
      store = this.options.secretStore ? this.options.secretStore(namespace) : createAgentSecretStore(this.options.kubeConfig, namespace);
      this.#stores.set(namespace, store);
    }
    return store;
  }

  /** The registrar, broker clock and session settings of `context` (built once per GitHub access and clock). */
  github(context: ListenerContext): TierGitHub {
    const cached = this.#byAccess.get(context.github);
    if (cached && cached.clock === context.clock) return cached;
    const { options, timings } = this;
    const brokerClock = toBrokerClock(context.clock);
    const rest = new GitHubRestClient(context.github.target.apiBaseUrl, context.github.tokens, { clock: brokerClock, http: context.github.http });
    const session: SessionSettings = {
      runnerVersion: context.github.runnerVersion,
      clock: brokerClock,
      http: context.github.http,
      os: options.os ?? 'Linux',
      architecture: options.architecture ?? 'X64',
      minPollIntervalMs: timings.minPollIntervalMs,
      // A predecessor's session still holds the agent: a fresh agent beats waiting minutes for it to lapse.
      conflictRetryMaxMs: 0,
      ...(options.random && { random: options.random }),
      ...(timings.pollHeadersTimeoutMs !== undefined && { pollHeadersTimeoutMs: timings.pollHeadersTimeoutMs }),
      ...(timings.pollDeadlineMs !== undefined && { pollDeadlineMs: timings.pollDeadlineMs }),
    };
    const runService = new RunServiceClient({ clock: brokerClock, http: context.github.http });
    const built = { clock: context.clock, brokerClock, registrar: new RunnerRegistrar(rest, context.github.target), session, runService };
    this.#byAccess.set(context.github, built);
    return built;
  }
}

/**
 * The classic listener of one RunnerGroup. A class, not an object of closures: thousands of idle groups each
 * hold its fields, while its methods live once on the prototype.
 */
class ClassicListener implements ClassicGroupListener {
  readonly #context: ListenerContext;
  readonly #timings: ClassicTierTimings;
  readonly #labels: { readonly namespace: string; readonly runner_group: string };
  readonly #pool: AgentPool;
  readonly #conditions: ListenerConditions;
  readonly #admission: GroupAdmission;
  readonly #held = new HeldJobs();
  readonly #multiplexer: Multiplexer;
  #group: ListenerGroup;
  readonly #spares: number;
  #sessions = 0;
  #stopping: Promise<void> | undefined;

  constructor(context: ListenerContext, options: ClassicTierOptions, timings: ClassicTierTimings, shared: TierShared) {
    this.#context = context;
    this.#timings = timings;
    this.#spares = options.spareAgents ?? 0;
    this.#group = context.group;
    const { namespace, name } = context.group.provisioner;
    this.#labels = { namespace, runner_group: name };
    const github = shared.github(context);
    const provisioner = (): ProvisionerGroup => this.#group.provisioner;
    this.#pool = new AgentPool({
      store: shared.store(namespace),
      registrar: github.registrar,
      group: (): PoolGroup => ({ namespace, name, uid: this.#group.provisioner.uid, runnerLabels: this.#group.runnerGroup.spec.runnerLabels }),
      runnerGroupId: options.runnerGroupId ?? 1,
      runnerVersion: context.github.runnerVersion,
      metrics: context.metrics,
      logger: context.logger,
      registrations: shared.registrations,
    });
    this.#conditions = new ListenerConditions(context.onChange);
    this.#admission = new GroupAdmission(context.kubernetes, provisioner, context.clock);
    this.#multiplexer = new Multiplexer({
      loop: {
        context,
        group: provisioner,
        pool: this.#pool,
        admission: this.#admission,
        conditions: this.#conditions,
        timings,
        held: this.#held,
        session: github.session,
        sessionOpened: () => this.#sessionsChanged(1),
        sessionClosed: () => this.#sessionsChanged(-1),
      },
      maxListeners: () => this.#maxListeners(),
      ensureAgents: (signal) => this.#pool.ensure(this.#poolSize(), signal),
      timings,
      clock: context.clock,
      logger: context.logger,
      fields: () => this.#fields(),
    });
    this.#multiplexer.start();
    const multiplexer = this.#multiplexer;
    const adoption: AdoptionDeps = {
      context,
      group: provisioner,
      admission: this.#admission,
      timings,
      held: this.#held,
      store: shared.store(namespace),
      runService: github.runService,
      runBeside: (work) => multiplexer.runBeside(work),
    };
    multiplexer.runBeside(async (signal) => void (await adoptStagedJobs(adoption, signal)));
  }

  #fields(): Record<string, unknown> {
    return { ...this.#labels };
  }

  #maxListeners(): number {
    return Math.max(1, this.#group.runnerGroup.spec.maxListeners ?? 1);
  }

  #poolSize(): number {
    return this.#maxListeners() + (this.#group.runnerGroup.spec.spareAgents ?? this.#spares);
  }

  #sessionsChanged(by: 1 | -1): void {
    this.#sessions += by;
    if (by > 0) this.#context.metrics.activeSessions.inc(this.#labels);
    else this.#context.metrics.activeSessions.dec(this.#labels);
    this.#context.onChange();
  }

  update(next: ListenerGroup): void {
    const size = this.#poolSize();
    this.#group = next;
    if (this.#poolSize() !== size) void this.#pool.ensure(this.#poolSize()).catch((err: unknown) => this.#context.logger.warn({ ...this.#fields(), err }, 'resizing the agent pool failed'));
    this.#admission.jobEnded(); // the ceiling or template may have changed: sessions waiting for room look again
  }

  activeSessions(): number {
    return this.#sessions;
  }

  conditions(): readonly ConditionInput[] {
    return this.#conditions.list();
  }

  agents(): number {
    return this.#pool.size;
  }

  readyAgents(): number {
    return this.#pool.ready;
  }

  activeLoops(): number {
    return this.#multiplexer.activeLoops;
  }

  async cancelJob(job: WorkerPodJobRef): Promise<boolean> {
    const holding = job.planId === undefined ? undefined : this.#held.byPlan(job.planId);
    if (!holding) return false;
    const { clock, logger } = this.#context;
    const log = { ...this.#fields(), plan_id: job.planId, pod: job.podName };
    const outcome = await withDeadline(clock, this.#timings.controlPlaneTimeoutMs, new AbortController().signal, (signal) => holding.cancelAtGitHub(signal)).catch(
      (err: unknown) => ({ kind: 'error' as const, error: err instanceof Error ? err : new Error(String(err)) }),
    );
    if (outcome.kind === 'accepted') {
      logger.info(log, 'job of a reaped worker pod completed as cancelled at GitHub');
      return true;
    }
    logger.warn({ ...log, outcome: outcome.kind, ...(outcome.kind === 'error' && { err: outcome.error }) }, 'cancelling the job of a reaped worker pod at GitHub did not succeed');
    return false;
  }

  async stop(reason: ListenerStopReason): Promise<void> {
    // The loops and their jobs end first, then the replacements under way (never a runner registered after the last look).
    this.#stopping ??= this.#multiplexer.stop().then(() => this.#pool.settled());
    await this.#stopping;
    if (reason === 'deleted') await this.#pool.deleteAll();
  }
}
