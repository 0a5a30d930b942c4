/**
 * The RunnerGroup reconcile (gag-system §4.2, §4.13 with DESIGN §3's fixes) on the runtime: finalizer;
 * the provisioner's view of the group; the reaper (requeued at the next due time); disrupted pods left by
 * an earlier AGC re-run once; one {@link GroupListener} per group from the tier its `acquisitionProtocol`
 * names (`update()` on spec changes, a condition — not a crash — when the tier is missing); status and
 * Ready Events. Deletion stops the listener with `deleted`, then drops the finalizer. Every reconcile is a
 * `RunnerGroup.Reconcile` root span.
 */
import {
  AGENT_POOL_FINALIZER,
  API_GROUP,
  RUNNER_GROUP_DEFAULTS,
  RunnerGroupConditionType,
  decideOrphanedPod,
  executeReaping,
  findCondition,
  jobRefOfPod,
  planReaping,
  resolveProvisionerGroup,
  runnerGroupLabelValue,
  Labels,
  type AcquisitionProtocol,
  type Clock,
  type DisruptionRerunner,
  type KubernetesPort,
  type Logger,
  type Pod,
  type ProvisionPorts,
  type ProvisionerGroup,
  type RunnerGroup,
  type WorkerHostSettings,
} from '@actions-gateway/core';
import type { ControllerMetrics } from '@actions-gateway/metrics';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { isDeepStrictEqual } from 'node:util';
import type { ReconcileResult } from '../../runtime/controller.js';
import type { CustomResourceClient } from '../../runtime/custom-resource.js';
import type { EventRecorder } from '../../runtime/events.js';
import { ensureFinalizer, removeFinalizer } from '../../runtime/finalizers.js';
import type { Informer } from '../../runtime/informer.js';
import { isNotFound } from '../../runtime/kube-error.js';
import { objectKey, splitKey, withoutManagedFields, type KubeObject } from '../../runtime/object.js';
import { updateStatus } from '../../runtime/status.js';
import type { GitHubAccess, GroupListener, ListenerGroup, ListenerTierFactory } from '../listener/group-listener.js';
import type { InFlightJobs } from '../listener/in-flight-jobs.js';
import { LISTENER_START_FAILED_REASON, TIER_UNAVAILABLE_REASON, computeRunnerGroupStatus, type ObservedGroup } from './status.js';

/** The RunnerGroup resource. */
export const RUNNER_GROUP_RESOURCE = { group: API_GROUP, version: 'v1alpha1', plural: 'runnergroups' } as const;
/** The span of one reconcile, as the observability reference spells it. */
export const RECONCILE_SPAN = 'RunnerGroup.Reconcile';
/** How soon a group with no open session is looked at again (the seed's 15 s). */
export const NO_SESSION_REQUEUE_MS = 15_000;

/** A RunnerGroup as the runtime caches it. */
export type RunnerGroupObject = RunnerGroup & KubeObject;

/** What the reconciler needs. */
export interface RunnerGroupReconcilerOptions {
  readonly namespace: string;
  readonly client: CustomResourceClient<RunnerGroupObject>;
  /** The namespace's worker pods (the reaper and orphan handling read this cache). */
  readonly pods: Pick<Informer<KubeObject>, 'store'>;
  /** Listener tiers by `spec.acquisitionProtocol`; a group whose tier is missing gets Ready=False/TierUnavailable. */
  readonly tiers: Partial<Record<AcquisitionProtocol, ListenerTierFactory>>;
  readonly github: GitHubAccess;
  readonly kubernetes: KubernetesPort;
  readonly provision: ProvisionPorts;
  readonly metrics: ControllerMetrics;
  readonly inFlight: InFlightJobs;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: EventRecorder;
  readonly host: WorkerHostSettings;
  readonly tracer: Tracer;
  readonly rerunner?: DisruptionRerunner | undefined;
  /** When this AGC started: finished pods created earlier have no provision call waiting on them. */
  readonly startedAt: Date;
  /** Asks for a reconcile of `key` soon (wired to the controller's queue). */
  readonly enqueue: (key: string) => void;
}

interface GroupState {
  listener?: GroupListener | undefined;
  protocol?: AcquisitionProtocol | undefined;
  generation?: number | undefined;
  /** Pods left by an earlier AGC that were already handled (by uid); made when the first one is. */
  orphansHandled?: Set<string>;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * What a listener keeps of its RunnerGroup for the group's life (thousands of idle groups): no status (this
 * reconciler writes it from the live object; no listener reads it) and no server-side apply bookkeeping.
 */
function listenerView(rg: RunnerGroupObject): RunnerGroupObject {
  const { status: _status, ...view } = withoutManagedFields(rg);
  return view;
}

/** Reconciles the RunnerGroups of one namespace. */
export class RunnerGroupReconciler {
  readonly #groups = new Map<string, GroupState>();
  readonly #stopping = new AbortController();

  constructor(private readonly o: RunnerGroupReconcilerOptions) {}

  /** Open sessions across every group (for tests and diagnostics). */
  activeSessions(): number {
    let n = 0;
    for (const s of this.#groups.values()) n += s.listener?.activeSessions() ?? 0;
    return n;
  }

  /** The listener of a group, if one runs. */
  listenerOf(key: string): GroupListener | undefined {
    return this.#groups.get(key)?.listener;
  }

  /** The controller's reconcile function. */
  readonly reconcile = async (key: string): Promise<ReconcileResult | void> => {
    const { namespace, name } = splitKey(key);
    const span = this.o.tracer.startSpan(RECONCILE_SPAN, { attributes: { 'runnergroup.namespace': namespace ?? '', 'runnergroup.name': name } });
    try {
      return await this.#reconcile(namespace ?? '', name, key);
    } catch (err) {
      span.recordException(asError(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: asError(err).message });
      throw err;
    } finally {
      span.end();
    }
  };

  /**
   * AGC shutdown: stops every listener with `shutdown` (sessions deleted; running pods keep running) and
   * cancels re-runs of orphaned pods still waiting.
   */
  async shutdown(): Promise<void> {
    this.#stopping.abort();
    const all = [...this.#groups.entries()];
    this.#groups.clear();
    await Promise.all(
      all.map(async ([key, s]) => {
        try {
          await s.listener?.stop('shutdown');
        } catch (err) {
          this.o.logger.error({ runnergroup: key, err }, 'stopping a listener failed');
        }
      }),
    );
  }

  async #reconcile(namespace: string, name: string, key: string): Promise<ReconcileResult | void> {
    if (namespace !== this.o.namespace) return;
    let rg: RunnerGroupObject;
    try {
      rg = await this.o.client.get(namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.#drop(key, 'deleted');
      return;
    }
    if (rg.metadata.deletionTimestamp) return this.#delete(rg, key);
    rg = await ensureFinalizer(this.o.client, rg, AGENT_POOL_FINALIZER);

    const state = this.#state(key);
    const generation = rg.metadata.generation ?? 0;
    let group: ProvisionerGroup | undefined;
    let invalidSpec: string | undefined;
    try {
      group = resolveProvisionerGroup(rg, this.o.host);
    } catch (err) {
      invalidSpec = asError(err).message;
      await this.o.events.record(rg, 'Warning', 'InvalidSpec', 'Reconcile', invalidSpec);
    }

    // The reaper and orphan handling need the group's settings; with a spec that does not resolve they wait.
    let reapAfter: number | undefined;
    if (group) {
      reapAfter = await this.#reap(rg, group, state);
      this.#handleOrphans(group, state);
    }

    let notRunning: ObservedGroup['notRunning'];
    if (group) notRunning = await this.#ensureListener(rg, group, state, key, generation);

    const listener = state.listener;
    const activeSessions = listener?.activeSessions() ?? 0;
    const observed: ObservedGroup = {
      generation,
      activeSessions,
      listenerConditions: listener?.conditions() ?? [],
      invalidSpec,
      notRunning,
    };
    const previousReady = findCondition(rg.status?.conditions, RunnerGroupConditionType.Ready)?.status;
    let nextReady: string | undefined;
    // The object this reconcile read is the first "live" one (a conflict re-reads), and an unchanged status
    // is not written: a reconcile per session change must not cost a write per group.
    let unread: RunnerGroupObject | undefined = rg;
    const access = {
      get: (ns: string, n: string): Promise<RunnerGroupObject> => {
        const known = unread;
        unread = undefined;
        return known ? Promise.resolve(known) : this.o.client.get(ns, n);
      },
      patchStatus: (ns: string, n: string, body: object) => this.o.client.patchStatus(ns, n, body),
    };
    await updateStatus(access, namespace, name, (live) => {
      const status = computeRunnerGroupStatus(live.status, observed, this.o.clock.now());
      nextReady = findCondition(status.conditions, RunnerGroupConditionType.Ready)?.status;
      return isDeepStrictEqual(live.status ?? {}, status) ? undefined : status;
    });
    if (nextReady !== previousReady) {
      if (nextReady === 'True') await this.o.events.record(rg, 'Normal', 'ListenerActive', 'Reconcile', `${activeSessions} broker session(s) open`);
      else if (previousReady === 'True' || previousReady === undefined) {
        await this.o.events.record(rg, 'Warning', 'NoActiveSessions', 'Reconcile', notRunning?.message ?? 'no broker session is open; jobs stay queued at GitHub');
      }
    }
    const waits = [reapAfter, listener && activeSessions === 0 ? NO_SESSION_REQUEUE_MS : undefined].filter((w): w is number => w !== undefined && w > 0);
    return waits.length > 0 ? { requeueAfter: Math.min(...waits) } : undefined;
  }

  #state(key: string): GroupState {
    let state = this.#groups.get(key);
    if (!state) {
      state = {};
      this.#groups.set(key, state);
    }
    return state;
  }

  #groupPods(group: ProvisionerGroup): Pod[] {
    const label = runnerGroupLabelValue(group.name);
    return this.o.pods.store.list().filter((p) => p.metadata?.namespace === group.namespace && p.metadata?.labels?.[Labels.runnerGroup] === label);
  }

  /** Reaps due pods; returns ms until the next one is due. */
  async #reap(rg: RunnerGroupObject, group: ProvisionerGroup, state: GroupState): Promise<number | undefined> {
    const planned = planReaping(this.#groupPods(group), { completedPodTtlMs: group.completedPodTtlMs, pendingPodDeadlineMs: group.pendingPodDeadlineMs }, this.o.clock.now());
    // A finished pod whose provision call still runs is that call's to clean up (with completedPodTTL 0 it
    // deletes the pod itself); reaping it here too would delete and count it twice.
    const plan = { ...planned, actions: planned.actions.filter((a) => a.reason !== 'completed_ttl' || !this.#provisioning(a.pod)) };
    if (plan.actions.length > 0) {
      await executeReaping(
        plan,
        { namespace: group.namespace, name: group.name, uid: rg.metadata.uid, pendingPodDeadlineMs: group.pendingPodDeadlineMs },
        {
          kubernetes: this.o.kubernetes,
          metrics: this.o.metrics,
          logger: this.o.logger,
          cancelJob: async (job) => {
            const cancelled = (await state.listener?.cancelJob?.(job)) ?? false;
            if (!cancelled) this.o.logger.info({ runner_group: group.name, pod: job.podName, plan_id: job.planId }, 'stuck pod reaped; its job lock lapses and GitHub cancels it');
          },
        },
      );
    }
    return plan.nextDueInMs;
  }

  /** True while a listener of this AGC handles the pod's job (the classic tier keys it `plan:<id>`). */
  #provisioning(pod: Pod): boolean {
    const planId = jobRefOfPod(pod).planId;
    return planId !== undefined && (this.o.inFlight.has(planId) || this.o.inFlight.has(`plan:${planId}`));
  }

  /**
   * Disrupted pods created before this AGC started have no provision call to re-run their job: re-run it
   * here, once per pod, in the background (the rerunner waits `evictionRetryDelay` first).
   */
  #handleOrphans(group: ProvisionerGroup, state: GroupState): void {
    const startedAt = this.o.startedAt.getTime();
    for (const pod of this.#groupPods(group)) {
      const uid = pod.metadata?.uid ?? '';
      if (uid === '' || state.orphansHandled?.has(uid)) continue;
      const created = pod.metadata?.creationTimestamp === undefined ? NaN : new Date(pod.metadata.creationTimestamp).getTime();
      if (!(created < startedAt)) continue;
      const planId = jobRefOfPod(pod).planId;
      if (this.#provisioning(pod) || (planId !== undefined && this.o.inFlight.adopted(planId))) continue; // a listener adopted it
      const phase = pod.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp === undefined) continue;
      (state.orphansHandled ??= new Set()).add(uid);
      const decision = decideOrphanedPod(pod, group);
      const log = { namespace: group.namespace, runner_group: group.name, pod: pod.metadata?.name, plan_id: planId, outcome: decision.outcome.kind };
      if (!decision.rerun) {
        this.o.logger.info({ ...log, why: decision.why }, 'pod from an earlier AGC finished; not re-run');
        continue;
      }
      if (!this.o.rerunner) {
        this.o.logger.warn(log, 'pod from an earlier AGC was disrupted; no rerunner configured');
        continue;
      }
      this.o.logger.info(log, 'pod from an earlier AGC was disrupted; re-running its job');
      void this.o.rerunner.rerun(decision.request, this.#stopping.signal).then((result) => this.o.logger.info({ ...log, rerun: result.kind }, 're-run of an orphaned disrupted job ended'));
    }
  }

  /** Starts, updates or replaces the group's listener; returns why none runs, if so. */
  async #ensureListener(rg: RunnerGroupObject, group: ProvisionerGroup, state: GroupState, key: string, generation: number): Promise<ObservedGroup['notRunning']> {
    const protocol: AcquisitionProtocol = rg.spec.acquisitionProtocol ?? RUNNER_GROUP_DEFAULTS.acquisitionProtocol;
    const view: ListenerGroup = { runnerGroup: listenerView(rg), provisioner: group };
    if (state.listener && state.protocol !== protocol) {
      // Another tier takes over: the old one hands back its sessions and agents first.
      await state.listener.stop('deleted');
      state.listener = undefined;
    }
    if (state.listener) {
      if (state.generation !== generation) {
        state.listener.update(view);
        state.generation = generation;
      }
      return undefined;
    }
    const factory = this.o.tiers[protocol];
    if (!factory) {
      const message = `acquisitionProtocol ${protocol} has no listener tier in this AGC (available: ${Object.keys(this.o.tiers).join(', ') || 'none'}); jobs stay queued at GitHub`;
      return { reason: TIER_UNAVAILABLE_REASON, message };
    }
    try {
      state.listener = this.#startListener(factory, view, key);
      state.protocol = protocol;
      state.generation = generation;
      this.o.logger.info({ runnergroup: key, protocol }, 'listener started');
      return undefined;
    } catch (err) {
      const message = `starting the ${protocol} listener failed: ${asError(err).message}`;
      await this.o.events.record(rg, 'Warning', 'ListenerStartFailed', 'StartListener', message);
      this.o.logger.error({ runnergroup: key, protocol, err }, 'starting the listener failed');
      return { reason: LISTENER_START_FAILED_REASON, message };
    }
  }

  #startListener(factory: ListenerTierFactory, group: ListenerGroup, key: string): GroupListener {
    return factory({
      group,
      github: this.o.github,
      kubernetes: this.o.kubernetes,
      provision: this.o.provision,
      metrics: this.o.metrics,
      inFlight: this.o.inFlight,
      clock: this.o.clock,
      logger: this.o.logger,
      onChange: () => this.o.enqueue(key),
    });
  }

  async #drop(key: string, reason: 'deleted' | 'shutdown'): Promise<void> {
    const state = this.#groups.get(key);
    this.#groups.delete(key);
    await state?.listener?.stop(reason);
  }

  /**
   * Deletion: the listener deletes its sessions and deregisters its agents, then the finalizer goes (worker
   * pods and job Secrets follow through their owner references). A group deleted while no listener ran in
   * this AGC gets one started and stopped, so agents registered by an earlier AGC are cleaned up too.
   */
  async #delete(rg: RunnerGroupObject, key: string): Promise<void> {
    if (!rg.metadata.finalizers?.includes(AGENT_POOL_FINALIZER)) {
      await this.#drop(key, 'deleted');
      return;
    }
    let listener = this.#groups.get(key)?.listener;
    if (!listener) {
      const factory = this.o.tiers[rg.spec.acquisitionProtocol ?? RUNNER_GROUP_DEFAULTS.acquisitionProtocol];
      if (factory) {
        try {
          listener = this.#startListener(factory, { runnerGroup: rg, provisioner: resolveProvisionerGroup(rg, this.o.host) }, key);
        } catch (err) {
          this.o.logger.warn({ runnergroup: key, err }, 'could not start a listener to clean up a deleted group; removing the finalizer anyway');
        }
      }
    }
    try {
      await listener?.stop('deleted');
    } catch (err) {
      await this.o.events.record(rg, 'Warning', 'AgentDeregistrationFailed', 'Delete', `stopping the listener failed: ${asError(err).message}`);
      throw err;
    }
    this.#groups.delete(key);
    await removeFinalizer(this.o.client, rg, AGENT_POOL_FINALIZER);
    this.o.logger.info({ runnergroup: objectKey(rg) }, 'runner group deleted');
  }
}
