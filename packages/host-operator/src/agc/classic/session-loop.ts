/**
 * One listener session of a RunnerGroup (gag-system §4.5, DESIGN §3.1): it holds one pool agent, keeps a
 * broker session for it through the heal ladder, polls only while the group has room, and hands each job
 * to the job handler. Once a job is acquired the job keeps the session (it polls it for a JobCancellation
 * and closes it when its pod ends) and runs on its own; the agent's registration is spent, so the pool
 * replaces it in the background while this loop takes a ready agent, opens a new session and polls on.
 */
import { BrokerClientError, ClassicBrokerSession, type ClassicSessionOptions, type PollResult, type RunnerJobRequestEvent } from '@actions-gateway/broker-client';
import { linkSignals, type ProvisionerGroup } from '@actions-gateway/core';
import type { ListenerContext } from '../listener/group-listener.js';
import { createJobBrokerPort } from '../ports/job-broker-port.js';
import type { AgentPool } from './agent-pool.js';
import type { PoolAgent } from './agent-secret.js';
import { withDeadline } from './clock.js';
import type { GroupAdmission } from './group-admission.js';
import type { HeldJobs } from './held-jobs.js';
import { handleJob } from './job-handler.js';
import type { ListenerConditions } from './listener-conditions.js';
import type { ClassicTierTimings } from './timings.js';

/** Why a session loop ended. */
export type LoopExit =
  | { readonly kind: 'stopped' }
  /** An extra session idled out. */
  | { readonly kind: 'idle' }
  /** Every agent is claimed (or parked). */
  | { readonly kind: 'no_agent' }
  | { readonly kind: 'version_too_old' }
  | { readonly kind: 'error'; readonly error: Error };

/** Everything a session loop shares with its group. */
export interface SessionLoopDeps {
  readonly context: ListenerContext;
  readonly group: () => ProvisionerGroup;
  readonly pool: AgentPool;
  readonly admission: GroupAdmission;
  readonly conditions: ListenerConditions;
  readonly timings: ClassicTierTimings;
  /** The jobs the group's listener holds (shared by its session loops). */
  readonly held: HeldJobs;
  /** Session settings except the agent's JIT config. */
  readonly session: Omit<ClassicSessionOptions, 'jit' | 'ownerName'>;
  /**
   * A listening session was opened / closed at GitHub (the `active_sessions` gauge and status). A session
   * handed to its acquired job stops counting then: it only waits for that job's cancellation.
   */
  readonly sessionOpened: () => void;
  readonly sessionClosed: () => void;
  /** A job was acquired: the multiplexer may add a session. */
  readonly spawnReplacement: () => void;
  /** Runs an acquired job on its own (the multiplexer waits for it on stop). */
  readonly detach: (job: Promise<void>) => void;
  /** True when no other session loop of the group runs (an idle last session never retires). */
  readonly isLastListener: () => boolean;
  /** True when the group runs more session loops than `maxListeners` allows now. */
  readonly overCapacity: () => boolean;
}

class VersionRefused extends Error {}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** A broker answer that says the session (or the runner behind it) is no longer usable: heal. */
function needsHeal(err: BrokerClientError): boolean {
  return ['session_invalid', 'unauthorized', 'forbidden', 'invalid_client', 'runner_not_found', 'not_found', 'deprovisioned'].includes(err.kind);
}

/** The runner registration is dead (consumed, deleted) or refused: only a fresh agent helps. */
function needsNewAgent(err: unknown): boolean {
  if (!(err instanceof BrokerClientError)) return false;
  if (err.kind === 'invalid_client' || err.kind === 'runner_not_found' || err.kind === 'session_conflict') return true;
  const status = err.status ?? 0;
  if (err.operation === 'runnerOAuth') return [400, 401, 403, 404].includes(status);
  return err.operation === 'createSession' && (status === 401 || status === 403);
}

const isUnauthorizedCreate = (err: unknown): boolean => err instanceof BrokerClientError && err.operation === 'createSession' && (err.status === 401 || err.status === 403);
const isVersionTooOld = (err: unknown): boolean => err instanceof BrokerClientError && err.kind === 'version_too_old';

/** One session loop; `run` resolves with why it ended and never throws. */
export class SessionLoop {
  readonly #d: SessionLoopDeps;
  readonly #signal: AbortSignal;
  #agent: PoolAgent | undefined;
  #session: ClassicBrokerSession | undefined;
  #rateLimitedSince: number | undefined;
  #opened = false;

  constructor(
    deps: SessionLoopDeps,
    private readonly permanent: boolean,
    signal: AbortSignal,
  ) {
    this.#d = deps;
    this.#signal = signal;
  }

  #fields(): Record<string, unknown> {
    const g = this.#d.group();
    return { namespace: g.namespace, runner_group: g.name, ...(this.#agent && { agent_index: this.#agent.index }), permanent: this.permanent };
  }

  /** True once this loop opened a session at GitHub (a restart after that starts its back-off afresh). */
  get opened(): boolean {
    return this.#opened;
  }

  async run(): Promise<LoopExit> {
    try {
      // A spent agent being replaced counts as coming: a loop spawned in a burst waits for it.
      this.#agent = await this.#d.pool.claimNext(this.#signal);
      if (!this.#agent) return { kind: 'no_agent' };
      await this.#heal('startup');
      return await this.#poll();
    } catch (err) {
      if (this.#signal.aborted) return { kind: 'stopped' };
      if (err instanceof VersionRefused) return { kind: 'version_too_old' };
      this.#d.context.logger.warn({ ...this.#fields(), err }, 'listener session ended with an error');
      return { kind: 'error', error: asError(err) };
    } finally {
      await this.#closeSession();
      if (this.#agent) this.#d.pool.release(this.#agent.index);
    }
  }

  async #openSession(): Promise<void> {
    const agent = this.#agent!;
    const { context, timings } = this.#d;
    // Not cut short by a stop: a create GitHub already carried out would leave a session nobody deletes. The
    // deadline bounds it; once it returns, a stopping loop deletes the session on its way out.
    this.#session = await withDeadline(context.clock, timings.controlPlaneTimeoutMs, new AbortController().signal, (signal) =>
      ClassicBrokerSession.create({ ...this.#d.session, jit: agent.jit, ownerName: agent.name }, signal),
    );
    this.#rateLimitedSince = undefined;
    this.#opened = true;
    this.#d.sessionOpened();
  }

  async #closeSession(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    this.#d.sessionClosed();
    await this.#delete(session);
  }

  /** Deletes a session at GitHub (best effort, bounded). */
  async #delete(session: ClassicBrokerSession): Promise<void> {
    const { clock, logger } = this.#d.context;
    await withDeadline(clock, this.#d.timings.sessionCloseTimeoutMs, new AbortController().signal, (signal) => session.close(signal)).catch((err: unknown) =>
      logger.debug({ ...this.#fields(), err }, 'deleting the broker session failed (best effort)'),
    );
  }

  /**
   * The heal ladder: drop the old session, open a new one for the same agent; when the registration is
   * dead or refused, recycle the agent and open a session for the new one.
   */
  async #heal(trigger: 'startup' | 'stale_session'): Promise<void> {
    const { conditions, context } = this.#d;
    await this.#closeSession();
    try {
      await this.#openSession();
      conditions.sessionCreated(false);
      return;
    } catch (err) {
      if (this.#signal.aborted) throw err;
      this.#refused(err);
      if (!needsNewAgent(err)) throw err;
      context.logger.info({ ...this.#fields(), trigger, reason: (err as BrokerClientError).kind }, 'the agent registration is unusable; recycling the agent');
    }
    this.#agent = await this.#d.pool.recycle(this.#agent!.index, trigger, this.#signal);
    try {
      await this.#openSession();
    } catch (err) {
      this.#refused(err);
      throw err;
    }
    conditions.sessionCreated(true);
  }

  /** Records what a refused session create says about the group; a version refusal ends the loop. */
  #refused(err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    if (isVersionTooOld(err)) {
      this.#d.conditions.versionTooOld(detail);
      throw new VersionRefused(detail, { cause: err });
    }
    if (isUnauthorizedCreate(err)) this.#d.conditions.unauthorized(detail);
  }

  /** After an acquired job: a ready agent (waiting for a replacement when none is) and a session for it. */
  async #nextAgent(): Promise<boolean> {
    this.#agent = await this.#d.pool.claimNext(this.#signal);
    if (!this.#agent) return false;
    await this.#heal('startup');
    return true;
  }

  /**
   * Hands a delivered job to the job handler. Resolves `detached` once it is acquired: from then on the job
   * owns this session and the spent agent, and runs on its own.
   */
  async #takeJob(event: RunnerJobRequestEvent): Promise<'detached' | 'not_acquired'> {
    const session = this.#session!;
    const agent = this.#agent!;
    let handedOver!: (acquired: boolean) => void;
    const acquired = new Promise<boolean>((resolve) => (handedOver = resolve));
    const job = handleJob(
      {
        context: this.#d.context,
        group: this.#d.group,
        admission: this.#d.admission,
        timings: this.#d.timings,
        onAcquired: () => {
          this.#session = undefined;
          this.#agent = undefined;
          this.#d.pool.spend(agent.index);
          this.#d.spawnReplacement();
          handedOver(true);
        },
        jitBlob: (held) => this.#d.pool.jitBlob(held),
        onVersionTooOld: (detail) => this.#d.conditions.versionTooOld(detail),
        held: this.#d.held,
        watchSession: (onCancellation, signal) => this.#watchDuringJob(session, onCancellation, signal),
      },
      agent,
      createJobBrokerPort({ session }),
      event,
      this.#signal,
    );
    void job.then(() => handedOver(false));
    if (!(await acquired)) {
      await job;
      return 'not_acquired';
    }
    // No longer a listening session (the gauge and status count those): the job polls it only for its own
    // cancellation, and deletes it when its pod ends.
    this.#d.sessionClosed();
    this.#d.detach(job.then(() => this.#delete(session)));
    return 'detached';
  }

  async #poll(): Promise<LoopExit> {
    const { context, timings, admission } = this.#d;
    const namespace = this.#d.group().namespace;
    let emptyPolls = 0;
    for (;;) {
      if (this.#signal.aborted) return { kind: 'stopped' };
      const room = await admission.roomSoon().catch((err: unknown) => {
        context.logger.warn({ ...this.#fields(), err }, 'reading the admission snapshot failed');
        return undefined;
      });
      if (room === undefined || room.capacity < 1) {
        await admission.waitForRoom(timings.admissionRecheckMs, this.#signal);
        continue;
      }
      let poll: PollResult;
      try {
        poll = await this.#session!.getMessage({ signal: this.#signal });
      } catch (err) {
        if (this.#signal.aborted) return { kind: 'stopped' };
        const exit = await this.#pollFailed(err, namespace);
        if (exit) return exit;
        continue;
      }
      if (poll.kind === 'timeout') {
        context.metrics.messagePollErrors.inc({ namespace, reason: 'timeout' });
        continue;
      }
      this.#rateLimitedSince = undefined;
      this.#d.conditions.pollSucceeded();
      if (poll.kind === 'empty') {
        if (poll.status === 200 && this.#session!.consecutiveEmptyOk >= timings.consumedEmptyPolls) {
          context.logger.info(this.#fields(), 'empty 200 polls in a row: the agent was consumed; healing');
          await this.#heal('stale_session');
          continue;
        }
        emptyPolls += 1;
        if (!this.permanent && emptyPolls >= timings.idleThreshold && !this.#d.isLastListener()) return { kind: 'idle' };
        continue;
      }
      const { event } = poll;
      switch (event.type) {
        case 'RunnerJobRequest': {
          emptyPolls = 0;
          const taken = await this.#takeJob(event);
          if (this.#signal.aborted) return { kind: 'stopped' };
          if (taken === 'detached') {
            if (!this.permanent && this.#d.overCapacity()) return { kind: 'idle' };
            if (!(await this.#nextAgent())) return { kind: 'no_agent' };
          }
          break;
        }
        case 'ForceTokenRefresh':
          await this.#session!.refreshToken(this.#signal).catch(async (err: unknown) => {
            context.logger.warn({ ...this.#fields(), err }, 'refreshing the session token failed; healing');
            await this.#heal('stale_session');
          });
          break;
        case 'JobCancellation': {
          const held = this.#d.held.byJobId(event.jobId);
          context.logger.info({ ...this.#fields(), job_id: event.jobId, held: held !== undefined }, 'JobCancellation received');
          if (held) void held.cancelForUser();
          break;
        }
        default:
          context.logger.debug({ ...this.#fields(), message_type: event.type === 'unknown' ? event.messageType : event.type }, 'broker message ignored');
      }
    }
  }

  /**
   * While this loop's job runs, its session keeps polling (status `Busy`) as the runner's listener does:
   * a user's cancellation of the job arrives here as `JobCancellation`. Ends when `signal` aborts or the
   * session is no longer usable (then a cancellation still reaches the AGC as renewjob's 404/410).
   */
  async #watchDuringJob(session: ClassicBrokerSession, onCancellation: (jobId: string) => void, signal: AbortSignal): Promise<void> {
    const { context, timings } = this.#d;
    const both = linkSignals(signal, this.#signal);
    try {
      while (!both.signal.aborted) {
        let poll: PollResult;
        try {
          poll = await session.getMessage({ status: 'Busy', signal: both.signal });
        } catch (err) {
          if (both.signal.aborted) return;
          if (err instanceof BrokerClientError && (needsHeal(err) || err.kind === 'version_too_old')) {
            context.logger.debug({ ...this.#fields(), reason: err.kind }, 'the job\'s broker session ended; no more JobCancellation can arrive on it');
            return;
          }
          context.logger.debug({ ...this.#fields(), err }, 'polling for the job\'s cancellation failed; polling again');
          continue; // the session's gate backs off before the next poll
        }
        if (poll.kind === 'timeout') continue;
        if (poll.kind === 'empty') {
          if (poll.status === 200 && session.consecutiveEmptyOk >= timings.consumedEmptyPolls) return;
          continue;
        }
        if (poll.event.type === 'JobCancellation') onCancellation(poll.event.jobId);
        else context.logger.debug({ ...this.#fields(), message_type: poll.event.type === 'unknown' ? poll.event.messageType : poll.event.type }, 'broker message ignored while a job runs');
      }
    } finally {
      both.dispose();
    }
  }

  /** Handles a poll that threw; returns an exit when the loop must end. */
  async #pollFailed(err: unknown, namespace: string): Promise<LoopExit | undefined> {
    const { context, timings, conditions } = this.#d;
    if (!(err instanceof BrokerClientError)) {
      context.metrics.messagePollErrors.inc({ namespace, reason: 'other' });
      context.logger.warn({ ...this.#fields(), err }, 'poll failed');
      return undefined;
    }
    if (err.kind === 'rate_limited') {
      context.metrics.messagePollErrors.inc({ namespace, reason: 'rate_limited' });
      const now = context.clock.now().getTime();
      this.#rateLimitedSince ??= now;
      if (now - this.#rateLimitedSince >= timings.rateLimitedAfterMs) conditions.rateLimited(timings.rateLimitedAfterMs);
      context.logger.warn({ ...this.#fields(), retry_after_ms: err.retryAfterMs }, 'poll rate limited; waiting as GitHub asks');
      return undefined;
    }
    if (err.kind === 'version_too_old') {
      conditions.versionTooOld(err.message);
      return { kind: 'version_too_old' };
    }
    if (needsHeal(err)) {
      context.logger.info({ ...this.#fields(), reason: err.kind, status: err.status }, 'broker session unusable; healing');
      await this.#heal('stale_session');
      return undefined;
    }
    // Bad input from the broker (a message that does not parse) and transient failures: counted, then the
    // session's gate backs off (two tiers) before the next poll.
    context.metrics.messagePollErrors.inc({ namespace, reason: err.kind === 'timeout' ? 'timeout' : 'other' });
    context.logger.warn({ ...this.#fields(), err }, 'poll failed');
    return undefined;
  }
}
