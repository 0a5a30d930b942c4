/**
 * The scale-set tier's listener of one RunnerGroup (issue 10): binds the group to its scale set, holds the
 * set's one session (409: wait and retry), advertises the admission capacity on every poll, acquires in
 * GHES mode, stores every message's effect in the state ConfigMap before acknowledging it, and runs each
 * assigned job in a worker pod. On start it replays the stored state at once: pods that still exist are
 * followed, jobs never given a pod are provisioned. Only a job whose pod ran and is gone without the queue
 * having said what its runner did waits until the queue has caught up (its first empty poll) or says the
 * job concluded: a JobStarted still queued must not make it a second pod.
 */
import { BrokerClientError, ExponentialBackoff, ScaleSetSession, metricReason, rateLimitFallbackMs, type ScaleSetAdminClient, type ScaleSetPollResult } from '@actions-gateway/broker-client';
import { ANNOTATION_REPOSITORY, ANNOTATION_RUN_ID, linkSignals, workerPodName, type ConditionInput } from '@actions-gateway/core';
import type { GroupListener, ListenerContext, ListenerGroup, ListenerStopReason } from '../listener/group-listener.js';
import { readCapacity } from './capacity.js';
import { killable } from './killable.js';
import { jobOfRunner, runScaleSetJob } from './job-worker.js';
import { isSettled, planIdOf, type ScaleSetJobRecord } from './job-record.js';
import { effectOf } from './queue-message.js';
import { sweepLeakedRunners } from './runner-sweep.js';
import { bindScaleSet, ownerLabel, scaleSetName } from './scale-set-binding.js';
import type { ScaleSetRef, ScaleSetStateChange, ScaleSetStateStore } from './state-store.js';
import { TierConditions } from './tier-conditions.js';

/** Timing and identity settings of the tier (defaults in brackets). */
export interface ScaleSetListenerSettings {
  /** The GitHub runner group the scale sets join [1, the Default group]. */
  readonly runnerGroupId: number;
  /** `ownerName` of the sessions. */
  readonly ownerName: string;
  /** Wait after a 409 session conflict, a name conflict or a failed bind [30 s]. */
  readonly conflictRetryMs: number;
  /** Wait after a poll or state error, doubling up to 60 s [1 s]. */
  readonly errorBackoffMs: number;
  readonly poll?: { readonly headersTimeoutMs?: number; readonly deadlineMs?: number; readonly minIntervalMs?: number } | undefined;
  /** How long a pod that ended before its runner took a job waits for a late JobStarted before the job gets a new pod [5 s]. */
  readonly startGraceMs?: number | undefined;
  /** Period of the sweep for JIT registrations a crash leaked (see runner-sweep.ts); it also runs once on replay [10 min]. */
  readonly runnerSweepMs?: number | undefined;
}

/** What the listener is built from. */
export interface ScaleSetListenerDeps {
  readonly context: ListenerContext;
  readonly admin: ScaleSetAdminClient;
  readonly store: ScaleSetStateStore;
  readonly settings: ScaleSetListenerSettings;
  /** Aborting it stops everything at once, without closing the session or waiting: what a crash leaves. */
  readonly killSignal?: AbortSignal | undefined;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** One RunnerGroup on the scale-set tier. */
export class ScaleSetListener implements GroupListener {
  readonly #deps: ScaleSetListenerDeps;
  readonly #ctx: ListenerContext;
  #group: ListenerGroup;
  readonly #stop = new AbortController();
  readonly #signal: AbortSignal;
  readonly #conditions: TierConditions;
  readonly #jobs = new Map<string, ScaleSetJobRecord>();
  readonly #workers = new Set<Promise<void>>();
  /** acquirejobs claims whose JobAssigned has not come yet (they hold room). */
  readonly #claimed = new Set<number>();
  /** GHES: after a failed acquire, no acquire call before this (epoch ms): its Retry-After, else a back-off. */
  #acquireRetryAt = Number.NEGATIVE_INFINITY;
  readonly #acquireBackoff: ExponentialBackoff;
  #acquireRateLimits = 0;
  #cursor = 0;
  #scaleSet: ScaleSetRef | undefined;
  #session: ScaleSetSession | undefined;
  #poll: AbortController | undefined;
  #available = true;
  #drained = false;
  #replayed = false;
  #deferred: string[] = [];
  /** The session a predecessor recorded and may have left open (SIGKILL); deleted before this one opens its own. */
  #leftOpen: string | undefined;
  /** The tail of the queue of job-record changes (see #mutate). */
  #mutations: Promise<void> = Promise.resolve();
  #errorDelay: number;
  /** When the next leaked-runner sweep is due (epoch ms); 0 until the replay's sweep ran. */
  #nextSweep = 0;
  #sweeping: Promise<void> | undefined;
  readonly #loop: Promise<void>;

  constructor(deps: ScaleSetListenerDeps) {
    this.#deps = deps;
    // With a kill switch, nothing of this listener reaches the cluster once it is pulled (crash tests).
    const kube = killable(deps.context.provision.kubernetes, deps.killSignal);
    this.#ctx = deps.killSignal ? { ...deps.context, kubernetes: killable(deps.context.kubernetes, deps.killSignal), provision: { ...deps.context.provision, kubernetes: kube } } : deps.context;
    if (deps.killSignal) this.#deps = { ...deps, store: killable(deps.store, deps.killSignal), admin: killable(deps.admin, deps.killSignal) };
    this.#group = deps.context.group;
    this.#signal = deps.killSignal ? AbortSignal.any([this.#stop.signal, deps.killSignal]) : this.#stop.signal;
    this.#conditions = new TierConditions(() => this.#ctx.onChange());
    this.#errorDelay = deps.settings.errorBackoffMs;
    this.#acquireBackoff = new ExponentialBackoff(deps.settings.errorBackoffMs, 60_000);
    this.#setSessions(0);
    this.#loop = this.#run().catch((err: unknown) => this.#ctx.logger.error({ ...this.#log(), err }, 'scale-set listener ended with an error'));
  }

  update(group: ListenerGroup): void {
    this.#group = group;
  }

  activeSessions(): number {
    return this.#session ? 1 : 0;
  }

  conditions(): readonly ConditionInput[] {
    return this.#conditions.conditions();
  }

  async stop(reason: ListenerStopReason): Promise<void> {
    this.#stop.abort(new Error(`listener stopped: ${reason}`));
    await this.#loop;
    await this.#sweeping;
    // A killed tier waits for nothing (a call it had on the wire may never answer).
    if (!this.#deps.killSignal?.aborted) await Promise.all([...this.#workers]);
    const session = this.#session;
    this.#session = undefined;
    const deadline = AbortSignal.timeout(10_000);
    if (session && !this.#deps.killSignal?.aborted) await this.#closeSession(session, reason, deadline);
    if (reason === 'deleted' && this.#scaleSet) {
      await this.#deps.admin.deleteScaleSet(this.#scaleSet.id, deadline).catch((err: unknown) => this.#ctx.logger.warn({ ...this.#log(), err }, 'deleting the scale set failed'));
    }
    this.#ctx.metrics.activeSessions.remove(this.#labels());
  }

  /**
   * Deletes the session at GitHub, then its id from the state (on shutdown; a deleted group's state goes
   * with it): the successor then finds no session to free, and the state names none that is gone.
   */
  async #closeSession(session: ScaleSetSession, reason: ListenerStopReason, deadline: AbortSignal): Promise<void> {
    try {
      await session.close(deadline);
    } catch (err) {
      this.#ctx.logger.warn({ ...this.#log(), session_id: session.sessionId, err }, 'closing the scale-set session failed');
      return;
    }
    this.#ctx.logger.info({ ...this.#log(), session_id: session.sessionId }, 'scale-set session deleted');
    if (reason === 'deleted') return;
    await this.#deps.store.write({ sessionId: null }).catch((err: unknown) => this.#ctx.logger.warn({ ...this.#log(), err }, 'forgetting the deleted scale-set session in the state failed; the successor deletes it again'));
  }

  /** The state the tier holds (tests and status). */
  get scaleSet(): ScaleSetRef | undefined {
    return this.#scaleSet;
  }

  #labels(): { namespace: string; runner_group: string } {
    return { namespace: this.#group.provisioner.namespace, runner_group: this.#group.provisioner.name };
  }

  #log(): Record<string, unknown> {
    return { ...this.#labels(), scale_set: this.#scaleSet?.name };
  }

  #setSessions(n: number): void {
    this.#ctx.metrics.activeSessions.set(this.#labels(), n);
    this.#ctx.onChange();
  }

  async #pause(ms: number): Promise<boolean> {
    return this.#ctx.clock.sleep(ms, this.#signal);
  }

  async #backoff(): Promise<boolean> {
    const wait = this.#errorDelay;
    this.#errorDelay = Math.min(60_000, this.#errorDelay * 2);
    return this.#pause(wait);
  }

  async #run(): Promise<void> {
    if (!(await this.#loadState())) return;
    while (!this.#signal.aborted) {
      const session = await this.#openSession();
      if (!session) continue;
      this.#session = session;
      // Before the first poll: whoever starts after a crash of this process can then free the session.
      if (!(await this.#write({ sessionId: session.sessionId }))) break;
      this.#setSessions(1);
      this.#ctx.logger.info({ ...this.#log(), session_id: session.sessionId, cursor: this.#cursor }, 'scale-set session open');
      if (!this.#replayed) await this.#replay();
      await this.#pollLoop(session);
      // Stopped: the session stays for stop() to delete at GitHub (a kill leaves it for the successor).
      if (this.#signal.aborted) break;
      if (this.#session === session) this.#session = undefined;
      this.#setSessions(0);
    }
  }

  async #loadState(): Promise<boolean> {
    while (!this.#signal.aborted) {
      try {
        const state = await this.#deps.store.load();
        this.#scaleSet = state.scaleSet;
        this.#cursor = state.cursor;
        this.#leftOpen = state.sessionId;
        for (const [id, record] of state.jobs) this.#jobs.set(id, record);
        // Replayed once the scale set is bound (#replay); what the queue must settle first waits for #drain.
        this.#deferred = [...state.jobs.values()].filter((r) => !r.podDone).map((r) => r.jobId);
        if (state.jobs.size > 0) this.#ctx.logger.info({ ...this.#log(), jobs: state.jobs.size, replay: this.#deferred.length, cursor: this.#cursor }, 'scale-set state loaded');
        return true;
      } catch (err) {
        this.#ctx.logger.error({ ...this.#log(), err }, 'reading the scale-set state failed');
        if (!(await this.#backoff())) return false;
      }
    }
    return false;
  }

  /** Binds the scale set and opens its session; undefined after a wait when either is not possible now. */
  async #openSession(): Promise<ScaleSetSession | undefined> {
    const { settings, admin } = this.#deps;
    const rg = this.#group.runnerGroup;
    try {
      const bound = await bindScaleSet(
        admin,
        { name: scaleSetName(rg), runnerGroupId: settings.runnerGroupId, labels: rg.spec.runnerLabels ?? [], ownerLabel: ownerLabel(rg) },
        this.#scaleSet,
        this.#signal,
      );
      if (bound.kind === 'conflict') {
        this.#conditions.raise('ScaleSetNameConflict', bound.detail);
        this.#ctx.logger.error({ ...this.#log(), detail: bound.detail }, 'scale-set name conflict: not adopting another tenant\'s scale set');
        await this.#pause(settings.conflictRetryMs);
        return undefined;
      }
      this.#conditions.clear('ScaleSetNameConflict');
      if (bound.recordedWasDeleted) {
        this.#conditions.raise('ScaleSetDeleted', `scale set ${this.#scaleSet?.id ?? '?'} was deleted at GitHub; recreated as ${bound.scaleSet.id}`);
        this.#ctx.logger.warn({ ...this.#log(), old_id: this.#scaleSet?.id, new_id: bound.scaleSet.id }, 'scale set deleted behind the AGC\'s back; recreated');
      }
      if (this.#scaleSet?.id !== bound.scaleSet.id) {
        // A new scale set has a new message log: its ids start over.
        const fresh = this.#scaleSet !== undefined;
        await this.#write({ scaleSet: bound.scaleSet, ...(fresh && { cursor: 0 }) });
        this.#scaleSet = bound.scaleSet;
        if (fresh) this.#cursor = 0;
        this.#ctx.logger.info({ ...this.#log(), id: bound.scaleSet.id, how: bound.how }, 'scale set bound');
      }
    } catch (err) {
      if (this.#signal.aborted) return undefined;
      this.#ctx.logger.error({ ...this.#log(), err }, 'binding the scale set failed');
      await this.#backoff();
      return undefined;
    }
    const scaleSet = this.#scaleSet;
    await this.#deleteLeftOpenSession(scaleSet.id);
    try {
      const poll = settings.poll ?? {};
      const session = await ScaleSetSession.create(
        admin,
        scaleSet.id,
        settings.ownerName,
        {
          http: this.#ctx.github.http,
          lastMessageId: this.#cursor,
          conflictRetries: 0,
          ...(poll.headersTimeoutMs !== undefined && { pollHeadersTimeoutMs: poll.headersTimeoutMs }),
          ...(poll.deadlineMs !== undefined && { pollDeadlineMs: poll.deadlineMs }),
          ...(poll.minIntervalMs !== undefined && { minPollIntervalMs: poll.minIntervalMs }),
        },
        this.#signal,
      );
      this.#conditions.clear('ScaleSetSessionConflict');
      this.#conditions.clear('ScaleSetDeleted');
      this.#available = true;
      return session;
    } catch (err) {
      if (this.#signal.aborted) return undefined;
      if (err instanceof BrokerClientError && err.status === 409) {
        this.#conditions.raise('ScaleSetSessionConflict', `another process holds the session of scale set ${scaleSet.name} (409); retrying every ${Math.round(settings.conflictRetryMs / 1000)} s`);
        this.#ctx.logger.warn({ ...this.#log() }, 'scale-set session held by another process (409); waiting');
        await this.#pause(settings.conflictRetryMs);
        return undefined;
      }
      this.#ctx.logger.error({ ...this.#log(), err }, 'opening the scale-set session failed');
      await this.#backoff();
      return undefined;
    }
  }

  /**
   * A crashed predecessor's session refuses every new one (409) until GitHub expires it, minutes later; the
   * state names it, and the admin credentials may delete it. Only this group's AGC writes that state.
   */
  async #deleteLeftOpenSession(scaleSetId: number): Promise<void> {
    const sessionId = this.#leftOpen;
    if (!sessionId) return;
    try {
      await ScaleSetSession.deleteById(this.#deps.admin, scaleSetId, sessionId, this.#signal);
      this.#leftOpen = undefined;
      this.#ctx.logger.info({ ...this.#log(), session_id: sessionId }, 'deleted the scale-set session a previous AGC left open');
    } catch (err) {
      if (this.#signal.aborted) return;
      this.#ctx.logger.warn({ ...this.#log(), session_id: sessionId, err }, 'deleting the scale-set session a previous AGC left open failed; it blocks a new one until it expires');
    }
  }

  async #pollLoop(session: ScaleSetSession): Promise<void> {
    const metrics = this.#ctx.metrics;
    while (!this.#signal.aborted) {
      this.#maybeSweep();
      let capacity = { advertised: 0, room: 0 };
      try {
        capacity = await readCapacity(this.#ctx.provision.kubernetes, this.#group.provisioner, this.#jobs);
        capacity = { advertised: capacity.advertised, room: Math.max(0, capacity.room - this.#claimed.size) };
      } catch (err) {
        this.#ctx.logger.warn({ ...this.#log(), err }, 'reading admission capacity failed; advertising 0');
      }
      const now = this.#ctx.clock.now().getTime();
      if (this.#available && capacity.room > 0 && now >= this.#acquireRetryAt) await this.#acquire(session, capacity.room);
      const poll = new AbortController();
      this.#poll = poll;
      let result: ScaleSetPollResult;
      const pollSignal = linkSignals(this.#signal, poll.signal);
      // Jobs left to acquire after a failed acquire: the long poll is cut when the acquire may be tried again.
      const retryIn = this.#available && capacity.room > 0 ? this.#acquireRetryAt - this.#ctx.clock.now().getTime() : 0;
      if (retryIn > 0) void this.#ctx.clock.sleep(retryIn, pollSignal.signal).then((due) => due && poll.abort());
      try {
        result = await session.getMessage({ maxCapacity: capacity.advertised, signal: pollSignal.signal });
      } catch (err) {
        if (this.#signal.aborted) return;
        if (poll.signal.aborted) continue;
        if (!(await this.#pollFailed(err))) return;
        if (err instanceof BrokerClientError && (err.status === 404 || err.status === 410)) return;
        continue;
      } finally {
        this.#poll = undefined;
        // Ends the acquire-retry timer of this poll (the link alone does not abort).
        poll.abort();
        pollSignal.dispose();
      }
      this.#conditions.rateLimited(undefined);
      this.#errorDelay = this.#deps.settings.errorBackoffMs;
      if (result.kind === 'timeout') {
        metrics.messagePollErrors.inc({ namespace: this.#labels().namespace, reason: 'timeout' });
        continue;
      }
      if (result.kind === 'empty') {
        this.#conditions.clear('ScaleSetStaleMessage');
        await this.#drain();
        continue;
      }
      if (!(await this.#handle(session, result))) return;
    }
  }

  /** Counts and logs a poll failure and waits; false when the tier stopped meanwhile. */
  async #pollFailed(err: unknown): Promise<boolean> {
    const e = asError(err);
    const gone = e instanceof BrokerClientError && (e.status === 404 || e.status === 410);
    if (gone) {
      this.#ctx.logger.warn({ ...this.#log(), err: e }, 'scale-set session gone; re-creating it');
      return true;
    }
    const reason = metricReason(e);
    this.#ctx.metrics.messagePollErrors.inc({ namespace: this.#labels().namespace, reason: reason === 'rate_limited' || reason === 'timeout' ? reason : 'other' });
    if (e instanceof BrokerClientError && e.kind === 'rate_limited') {
      // The session's call gate holds the next poll for the Retry-After, or its fallback (5 s doubling to
      // 5 min) when there is none; a wait of this loop's own would only add to it.
      this.#conditions.rateLimited(`the scale-set queue answered 429: ${e.message}`);
      return !this.#signal.aborted;
    }
    this.#ctx.logger.warn({ ...this.#log(), err: e }, 'scale-set poll failed');
    return this.#backoff();
  }

  /** Stores a message's effect, acknowledges it, then acts on it. False when the tier stopped. */
  async #handle(session: ScaleSetSession, result: Extract<ScaleSetPollResult, { kind: 'message' | 'malformed' }>): Promise<boolean> {
    const { messageId } = result;
    if (messageId <= this.#cursor) {
      this.#conditions.raise('ScaleSetStaleMessage', `message ${messageId} was delivered again after the cursor passed it (cursor ${this.#cursor}); skipped`);
      this.#ctx.logger.warn({ ...this.#log(), message_id: messageId, cursor: this.#cursor }, 'queue delivered a message the cursor already passed; skipping it');
      await session.deleteMessage(messageId, this.#signal).catch((err: unknown) => this.#ctx.logger.warn({ ...this.#log(), err, message_id: messageId }, 'deleting a stale message failed'));
      return true;
    }
    this.#conditions.clear('ScaleSetStaleMessage');
    const ok = result.kind === 'message' && result.messageType === 'RunnerScaleSetJobMessages';
    if (!ok) {
      this.#ctx.metrics.messagePollErrors.inc({ namespace: this.#labels().namespace, reason: 'other' });
      const err = result.kind === 'malformed' ? result.error : new Error(`unknown message type ${JSON.stringify(result.messageType)}`);
      this.#ctx.logger.error({ ...this.#log(), message_id: messageId, message_type: result.messageType, err }, 'scale-set message does not parse; skipped');
    }
    const entries = result.kind === 'message' && ok ? result.jobs : [];
    // A bad entry costs only itself: counted and logged here, its neighbours handled below.
    for (const bad of result.kind === 'message' && ok ? result.rejected : []) {
      this.#ctx.metrics.messagePollErrors.inc({ namespace: this.#labels().namespace, reason: 'other' });
      this.#ctx.logger.error({ ...this.#log(), message_id: messageId, entry_index: bad.index, err: bad.error }, 'scale-set message entry does not parse; skipped');
    }
    const effect = await this.#mutate(() => {
      const effect = effectOf(entries, this.#jobs, this.#ctx.clock.now(), (name) => jobOfRunner(name, this.#jobs.keys()));
      return { change: { cursor: messageId, jobs: effect.changes }, result: effect };
    });
    if (!effect) return false;
    for (const type of effect.unknown) this.#ctx.logger.warn({ ...this.#log(), message_id: messageId, entry_type: type }, 'unknown scale-set job message entry; ignored');
    this.#cursor = messageId;
    session.advanceCursor(messageId);
    await session.deleteMessage(messageId, this.#signal).catch((err: unknown) => {
      if (!this.#signal.aborted) this.#ctx.logger.warn({ ...this.#log(), err, message_id: messageId }, 'deleting a stored message failed; the cursor has passed it');
    });
    if (effect.available) this.#available = true;
    for (const id of effect.assignedRequestIds) this.#claimed.delete(id);
    for (const jobId of effect.assigned) {
      this.#ctx.metrics.jobsAcquired.inc(this.#labels());
      this.#start(jobId);
    }
    for (const [jobId, podJob] of effect.crossed) await this.#recordCrossedRunner(jobId, podJob);
    this.#startConcluded();
    return true;
  }

  /**
   * Replays the stored jobs whose fate does not hang on the queue: a job with a pod is followed to its end,
   * a job never given a pod gets one (after the sweep of registrations a crashed provision leaked). The rest
   * wait (see #drain, #startConcluded).
   */
  async #replay(): Promise<void> {
    this.#replayed = true;
    if (this.#deferred.length === 0) return;
    const group = this.#group.provisioner;
    const now: string[] = [];
    const later: string[] = [];
    let provisions = 0;
    for (const jobId of this.#deferred) {
      const record = this.#jobs.get(jobId);
      if (!record) continue;
      const pod = await this.#ctx.provision.kubernetes.getPod(group.namespace, workerPodName(group.name, planIdOf(record))).catch(() => 'unknown' as const);
      if (this.#signal.aborted) return;
      const neverProvisioned = pod === undefined && record.phase === 'assigned' && record.podCreated !== true;
      if (pod !== undefined && pod !== 'unknown') now.push(jobId);
      else if (neverProvisioned) {
        now.push(jobId);
        provisions++;
      } else later.push(jobId);
    }
    this.#deferred = later;
    this.#ctx.logger.info({ ...this.#log(), now: now.length, provisions, after_drain: later.length }, 'replaying stored scale-set jobs');
    if (provisions > 0) await this.#sweepRunners();
    for (const jobId of now) this.#start(jobId);
  }

  /** A deferred job the queue has since reported concluded has nothing left to wait for. */
  #startConcluded(): void {
    if (this.#deferred.length === 0) return;
    const concluded = this.#deferred.filter((id) => this.#jobs.get(id)?.phase === 'completed');
    if (concluded.length === 0) return;
    this.#deferred = this.#deferred.filter((id) => !concluded.includes(id));
    for (const jobId of concluded) if (this.#jobs.has(jobId)) this.#start(jobId);
  }

  /** The runner made for `podJob`'s pod took `jobId`: the pod's run annotations follow the job it runs. */
  async #recordCrossedRunner(jobId: string, podJob: string): Promise<void> {
    const record = this.#jobs.get(jobId);
    const group = this.#group.provisioner;
    const annotations: Record<string, string> = {};
    if (record?.runId !== undefined) annotations[ANNOTATION_RUN_ID] = String(record.runId);
    if (record?.repository !== undefined) annotations[ANNOTATION_REPOSITORY] = record.repository;
    this.#ctx.logger.info({ ...this.#log(), job_id: jobId, pod_job_id: podJob }, 'a runner took another job of the scale set than the one its pod was made for');
    if (Object.keys(annotations).length === 0) return;
    await this.#ctx.provision.kubernetes.annotatePod(group.namespace, workerPodName(group.name, podJob), annotations).catch(() => undefined);
  }

  /** GHES: claims up to `room` available jobs through acquirejobs. */
  async #acquire(session: ScaleSetSession, room: number): Promise<void> {
    const namespace = this.#labels().namespace;
    try {
      const res = await this.#deps.admin.call('acquirableJobs', 'GET', `/_apis/runtime/runnerscalesets/${session.scaleSetId}/acquirablejobs`, undefined, [200, 204], this.#signal);
      const value = res.status === 204 || res.text.trim() === '' ? [] : ((JSON.parse(res.text) as { value?: unknown }).value ?? []);
      const ids = (Array.isArray(value) ? value : [])
        .map((j) => (j as { runnerRequestId?: unknown }).runnerRequestId)
        .filter((id): id is number => typeof id === 'number' && !this.#claimed.has(id));
      const take = ids.slice(0, room);
      this.#available = ids.length > take.length;
      if (take.length > 0) {
        const won = await session.acquireJobs(take, this.#signal);
        for (const id of won) this.#claimed.add(id);
        const lost = take.length - won.length;
        if (lost > 0) this.#ctx.metrics.jobAcquisitionErrors.inc({ namespace, reason: 'already_claimed' }, lost);
      }
      this.#acquireBackoff.reset();
      this.#acquireRateLimits = 0;
    } catch (err) {
      if (this.#signal.aborted) return;
      // The jobs are still available at GitHub, and their JobAvailable messages are consumed: only this
      // listener's own retry acquires them (#available was cleared above, before the call failed).
      this.#available = true;
      const retryIn = this.#acquireRetryDelay(err);
      this.#acquireRetryAt = this.#ctx.clock.now().getTime() + retryIn;
      const reason = metricReason(err);
      this.#ctx.metrics.jobAcquisitionErrors.inc({ namespace, reason: reason === 'already_claimed' || reason === 'delivery_window_expired' || reason === 'version_too_old' ? reason : 'other' });
      this.#ctx.logger.warn({ ...this.#log(), err, retry_in_ms: retryIn }, 'acquiring available scale-set jobs failed; trying again');
    }
  }

  /** How long a failed acquire waits: a 429's Retry-After (else 5 s doubling, as a poll's), otherwise a back-off. */
  #acquireRetryDelay(err: unknown): number {
    if (err instanceof BrokerClientError && err.kind === 'rate_limited') return err.retryAfterMs ?? rateLimitFallbackMs(++this.#acquireRateLimits);
    const retryAfter = err instanceof BrokerClientError ? (err.retryAfterMs ?? 0) : 0;
    return Math.max(retryAfter, this.#acquireBackoff.next());
  }

  /** Stores a change, retrying until it lands; false when the tier stopped first. */
  async #write(change: ScaleSetStateChange): Promise<boolean> {
    while (!this.#signal.aborted) {
      try {
        await this.#deps.store.write(change);
        return true;
      } catch (err) {
        this.#ctx.logger.error({ ...this.#log(), err }, 'storing the scale-set state failed; the message stays unacknowledged');
        if (!(await this.#backoff())) return false;
      }
    }
    return false;
  }

  /**
   * Changes the job records: one at a time, each computed from the records as the previous change left them,
   * stored, and only then applied in memory. A change computed from a snapshot another change has since
   * moved on (a pod ending while a queue message is stored) would store the older record over the newer.
   * Resolves with `result`, or undefined when the tier stopped before the change was stored.
   */
  #mutate<T>(compute: () => { change: ScaleSetStateChange; result: T }): Promise<T | undefined> {
    const turn = this.#mutations.then(async () => {
      const { change, result } = compute();
      if (!(await this.#write(change))) return undefined;
      for (const [id, record] of change.jobs ?? []) {
        if (record) this.#jobs.set(id, record);
        else this.#jobs.delete(id);
      }
      return result;
    });
    this.#mutations = turn.then(() => undefined, () => undefined);
    return turn;
  }

  /** Stores a new record of one job (`null`: forget it); `next` sees the latest record. False when it did not land. */
  async #updateJob(jobId: string, next: (record: ScaleSetJobRecord) => ScaleSetJobRecord | null): Promise<boolean> {
    const stored = await this.#mutate(() => {
      const record = this.#jobs.get(jobId);
      if (!record) return { change: {}, result: false };
      const updated = next(record);
      return { change: { jobs: new Map([[jobId, updated && isSettled(updated) ? null : updated]]) }, result: true };
    });
    return stored === true;
  }

  /**
   * After the first empty poll: every message is handled, so replayed jobs are known as they are. The leaked
   * runners of the replayed jobs are swept first (their workers make new ones); later sweeps run periodically.
   */
  async #drain(): Promise<void> {
    if (!this.#drained) {
      this.#drained = true;
      this.#ctx.logger.debug({ ...this.#log(), replay: this.#deferred.length }, 'scale-set queue drained; replaying stored jobs');
      await this.#sweepRunners();
      for (const jobId of this.#deferred) this.#start(jobId);
      this.#deferred = [];
    }
  }

  /** Starts a periodic sweep when one is due (after the replay's). */
  #maybeSweep(): void {
    if (!this.#drained || this.#sweeping || this.#ctx.clock.now().getTime() < this.#nextSweep) return;
    this.#sweeping = this.#sweepRunners().finally(() => (this.#sweeping = undefined));
  }

  /** Deletes the JIT registrations no pod will run (runner-sweep.ts). Never throws. */
  async #sweepRunners(): Promise<void> {
    this.#nextSweep = this.#ctx.clock.now().getTime() + (this.#deps.settings.runnerSweepMs ?? 600_000);
    const scaleSet = this.#scaleSet;
    if (!scaleSet) return;
    try {
      const { deleted, failed } = await sweepLeakedRunners({
        admin: this.#deps.admin,
        kube: this.#ctx.provision.kubernetes,
        group: this.#group.provisioner,
        scaleSetId: scaleSet.id,
        working: (jobId) => this.#ctx.inFlight.has(jobId),
        signal: this.#signal,
      });
      if (deleted.length > 0) this.#ctx.logger.warn({ ...this.#log(), runners: deleted }, 'deleted JIT runner registrations no pod will run (leaked by a crash or a failed provision)');
      for (const f of failed) this.#ctx.logger.warn({ ...this.#log(), runner: f.name, err: f.err }, 'deleting a leaked JIT runner registration failed; the next sweep tries again');
    } catch (err) {
      if (!this.#signal.aborted) this.#ctx.logger.warn({ ...this.#log(), err }, 'sweeping leaked JIT runner registrations failed; the next sweep tries again');
    }
  }

  #start(jobId: string): void {
    const worker = runScaleSetJob(
      {
        context: this.#ctx,
        admin: this.#deps.admin,
        group: () => this.#group,
        scaleSet: () => this.#scaleSet!,
        record: (id) => this.#jobs.get(id),
        podDone: (id) => this.#podDone(id),
        podCreated: (id) => this.#podCreated(id),
        nextAttempt: (id) => this.#nextAttempt(id),
        startGraceMs: this.#deps.settings.startGraceMs,
        capacityChanged: () => this.#poll?.abort(),
        signal: this.#signal,
      },
      jobId,
    ).finally(() => this.#workers.delete(worker));
    this.#workers.add(worker);
  }

  #nextAttempt(jobId: string): Promise<boolean> {
    return this.#updateJob(jobId, (record) => ({ ...record, attempt: (record.attempt ?? 0) + 1, ran: undefined, podCreated: undefined }));
  }

  async #podCreated(jobId: string): Promise<void> {
    if (this.#jobs.get(jobId)?.podCreated === true) return;
    await this.#updateJob(jobId, (record) => ({ ...record, podCreated: true }));
  }

  async #podDone(jobId: string): Promise<void> {
    await this.#updateJob(jobId, (record) => ({ ...record, podDone: true }));
  }
}
