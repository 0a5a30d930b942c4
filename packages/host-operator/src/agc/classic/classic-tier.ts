/**
 * The classic acquisition tier (`acquisitionProtocol: Classic`): per RunnerGroup an agent pool of
 * single-use JIT runners, a multiplexer of broker sessions, and the listener loops that claim only the jobs
 * that fit and run each in a worker pod.
 */
import { GitHubRestClient, RunnerRegistrar, type Random } from '@actions-gateway/broker-client';
import type { WorkerPodJobRef } from '@actions-gateway/core';
import type { KubeConfig } from '@kubernetes/client-node';
import type { GroupListener, ListenerContext, ListenerGroup, ListenerStopReason, ListenerTierFactory } from '../listener/group-listener.js';
import { AgentPool, DEFAULT_REGISTRATION_CONCURRENCY } from './agent-pool.js';
import { createAgentSecretStore, type AgentSecretStore } from './agent-secret-store.js';
import { toBrokerClock, withDeadline } from './clock.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { GroupAdmission } from './group-admission.js';
import { HeldJobs } from './held-jobs.js';
import { ListenerConditions } from './listener-conditions.js';
import { Multiplexer } from './multiplexer.js';
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
   * Pre-registered spare agents per RunnerGroup beyond `maxListeners` (default 0): a session that just
   * acquired a job opens its next session on a spare at once while its spent agent is replaced in the
   * background. Each spare is one more registered runner at GitHub and one more Secret; they are removed with
   * the group like every agent.
   */
  readonly spareAgents?: number;
}

/** Most spare agents a group may hold (each is a registered runner at GitHub). */
export const MAX_SPARE_AGENTS = 100;

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
  const registrations = new ConcurrencyLimit(options.registrationConcurrency ?? DEFAULT_REGISTRATION_CONCURRENCY);
  return (context: ListenerContext): ClassicGroupListener => startClassicListener(context, options, timings, registrations);
}

function startClassicListener(context: ListenerContext, options: ClassicTierOptions, timings: ClassicTierTimings, registrations: ConcurrencyLimit): ClassicGroupListener {
  let group: ListenerGroup = context.group;
  const { namespace, name } = group.provisioner;
  const labels = { namespace, runner_group: name };
  const fields = (): Record<string, unknown> => ({ ...labels });
  const maxListeners = (): number => Math.max(1, group.runnerGroup.spec.maxListeners ?? 1);
  const poolSize = (): number => maxListeners() + (options.spareAgents ?? 0);
  const clock = toBrokerClock(context.clock);
  const rest = new GitHubRestClient(context.github.target.apiBaseUrl, context.github.tokens, { clock, http: context.github.http });
  const pool = new AgentPool({
    store: options.secretStore ? options.secretStore(namespace) : createAgentSecretStore(options.kubeConfig, namespace),
    registrar: new RunnerRegistrar(rest, context.github.target),
    group: () => ({ namespace, name, uid: group.provisioner.uid, runnerLabels: group.runnerGroup.spec.runnerLabels }),
    runnerGroupId: options.runnerGroupId ?? 1,
    runnerVersion: context.github.runnerVersion,
    metrics: context.metrics,
    logger: context.logger,
    registrations,
  });
  const conditions = new ListenerConditions(context.onChange);
  const admission = new GroupAdmission(context.kubernetes, () => group.provisioner, context.clock);
  const held = new HeldJobs();
  let sessions = 0;
  const multiplexer = new Multiplexer({
    loop: {
      context,
      group: () => group.provisioner,
      pool,
      admission,
      conditions,
      timings,
      held,
      session: {
        runnerVersion: context.github.runnerVersion,
        clock,
        http: context.github.http,
        os: options.os ?? 'Linux',
        architecture: options.architecture ?? 'X64',
        minPollIntervalMs: timings.minPollIntervalMs,
        // A predecessor's session still holds the agent: a fresh agent beats waiting minutes for it to lapse.
        conflictRetryMaxMs: 0,
        ...(options.random && { random: options.random }),
        ...(timings.pollHeadersTimeoutMs !== undefined && { pollHeadersTimeoutMs: timings.pollHeadersTimeoutMs }),
        ...(timings.pollDeadlineMs !== undefined && { pollDeadlineMs: timings.pollDeadlineMs }),
      },
      sessionOpened: () => {
        sessions += 1;
        context.metrics.activeSessions.inc(labels);
        context.onChange();
      },
      sessionClosed: () => {
        sessions -= 1;
        context.metrics.activeSessions.dec(labels);
        context.onChange();
      },
    },
    maxListeners,
    ensureAgents: (signal) => pool.ensure(poolSize(), signal),
    timings,
    clock: context.clock,
    logger: context.logger,
    fields,
  });
  multiplexer.start();
  let stopping: Promise<void> | undefined;

  return {
    update(next) {
      const resized = (next.runnerGroup.spec.maxListeners ?? 1) !== (group.runnerGroup.spec.maxListeners ?? 1);
      group = next;
      if (resized) void pool.ensure(poolSize()).catch((err: unknown) => context.logger.warn({ ...fields(), err }, 'resizing the agent pool failed'));
      admission.jobEnded(); // the ceiling or template may have changed: sessions waiting for room look again
    },
    activeSessions: () => sessions,
    conditions: () => conditions.list(),
    agents: () => pool.size,
    activeLoops: () => multiplexer.activeLoops,
    readyAgents: () => pool.ready,
    async cancelJob(job: WorkerPodJobRef): Promise<boolean> {
      const holding = job.planId === undefined ? undefined : held.byPlan(job.planId);
      if (!holding) return false;
      const log = { ...fields(), plan_id: job.planId, pod: job.podName };
      const outcome = await withDeadline(context.clock, timings.controlPlaneTimeoutMs, new AbortController().signal, (signal) => holding.cancelAtGitHub(signal)).catch(
        (err: unknown) => ({ kind: 'error' as const, error: err instanceof Error ? err : new Error(String(err)) }),
      );
      if (outcome.kind === 'accepted') {
        context.logger.info(log, 'job of a reaped worker pod completed as cancelled at GitHub');
        return true;
      }
      context.logger.warn({ ...log, outcome: outcome.kind, ...(outcome.kind === 'error' && { err: outcome.error }) }, 'cancelling the job of a reaped worker pod at GitHub did not succeed');
      return false;
    },
    async stop(reason: ListenerStopReason) {
      // The loops and their jobs end first, then the replacements under way (never a runner registered after the last look).
      stopping ??= multiplexer.stop().then(() => pool.settled());
      await stopping;
      if (reason === 'deleted') await pool.deleteAll();
    },
  };
}
