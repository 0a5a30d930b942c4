// The fake's state and the transitions every service shares: tokens, dispatch of jobs to polling sessions,
// locks and conclusions. Handlers translate HTTP to these calls; the control API calls them directly.
import type { Clock } from '../clock.js';
import { SCRIPT_VARIABLES, type FakeTimings } from './config.js';
import { generateRsa, opaqueToken, randomUUID, type RsaKeyPair, type RsaKeyPool } from './crypto.js';
import type {
  AppRecord, CredentialKind, JobRecord, RecordedRequest, RunRecord, RunnerRecord, ScaleSetRecord,
  SessionRecord, TokenRecord,
} from './state.js';

/** What {@link World.enqueueJob} takes. */
export interface EnqueueJobSpec {
  org?: string;
  repo?: string;
  labels: string[];
  runId?: number;
  workflow?: string;
  durationMs?: number;
  conclusion?: string;
  fanout?: number;
}

export const LOST_COMMUNICATION = 'The self-hosted runner lost communication with the server.';

export class World {
  apps = new Map<number, AppRecord>();
  tokens = new Map<string, TokenRecord>();
  orgs = new Set<string>();
  repos = new Set<string>();
  runners = new Map<number, RunnerRecord>();
  sessions = new Map<string, SessionRecord>();
  jobs = new Map<number, JobRecord>();
  runs = new Map<number, RunRecord>();
  scaleSets = new Map<number, ScaleSetRecord>();
  runnerGroups = new Map<string, number>();
  requests: RecordedRequest[] = [];
  meta: Record<string, string[]> = defaultMeta();
  scaleSetMode: 'auto' | 'acquire' = 'auto';
  /** Runners per page of the scale-set agents list when a request names no `$top`. */
  agentsPageSize = 100;
  adminJwtEarlyExpiry = false;
  /** Keys made ahead for JIT runners (the `runnerKeys` option); none: each key is made when needed. */
  rsaPool: RsaKeyPool | undefined;
  private waiters = new Set<() => void>();
  private seq = { app: 1000, inst: 5000, runner: 100, job: 9000, run: 70000, rrid: 7_000_000_000, msg: 1, scaleSet: 1 };

  constructor(readonly clock: Clock, readonly timings: FakeTimings, readonly strict: boolean, public baseUrl: string) {}

  /** A fresh RSA key for a runner: from the pool when there is one. */
  runnerKey(): RsaKeyPair {
    return this.rsaPool?.take() ?? generateRsa();
  }

  nextId(kind: keyof World['seq']): number {
    return this.seq[kind]++;
  }

  mintToken(kind: CredentialKind, subject: string, ttlMs: number, prefix: string): TokenRecord {
    const rec: TokenRecord = { token: opaqueToken(prefix), kind, subject, expiresAt: this.clock.now() + ttlMs };
    this.tokens.set(rec.token, rec);
    return rec;
  }

  /** A live token of the given kind, or undefined (unknown, expired or revoked). */
  liveToken(token: string | undefined, kind: CredentialKind): TokenRecord | undefined {
    const rec = token ? this.tokens.get(token) : undefined;
    if (!rec || rec.kind !== kind || rec.revoked || rec.expiresAt <= this.clock.now()) return undefined;
    return rec;
  }

  // ---- long-poll wake-ups -------------------------------------------------------------------------

  /** Registers a callback run when anything deliverable may have changed; returns the unregister function. */
  onChange(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** How many long-polls (classic and scale-set) are held open right now. */
  heldPolls(): number {
    return this.waiters.size;
  }

  wake(): void {
    for (const fn of [...this.waiters]) fn();
  }

  // ---- jobs and runs ------------------------------------------------------------------------------

  enqueueJob(spec: EnqueueJobSpec): JobRecord {
    const repo = spec.repo ?? `${spec.org ?? 'acme'}/app`;
    const owner = spec.org ?? repo.split('/')[0]!;
    if (!Array.isArray(spec.labels) || spec.labels.length === 0) throw new Error('enqueueJob: labels must be a non-empty array');
    const runId = spec.runId ?? this.nextId('run');
    let run = this.runs.get(runId);
    if (!run) {
      run = { runId, owner, repo, workflow: spec.workflow ?? 'ci.yml', status: 'queued', conclusion: null, attempts: 1, cancelled: false };
      this.runs.set(runId, run);
    } else if (run.status === 'completed') {
      run.status = 'queued';
      run.conclusion = null;
    }
    const job: JobRecord = {
      requestId: this.nextId('job'), jobId: randomUUID(), planId: randomUUID(), timelineId: randomUUID(), runId, owner, repo,
      workflow: run.workflow, labels: [...spec.labels], state: 'queued', durationMs: spec.durationMs ?? 1000,
      scriptedConclusion: spec.conclusion ?? 'succeeded', fanout: Math.max(1, spec.fanout ?? 1), deliveries: [],
      timesDelivered: 0, timesAcquired: 0, cancelRequested: false, queuedAt: this.clock.now(), runAttempt: run.attempts,
    };
    const set = [...this.scaleSets.values()].find((s) => s.owner === owner && job.labels.some((l) => l.toLowerCase() === s.name.toLowerCase()));
    if (set) job.scaleSetId = set.id;
    this.jobs.set(job.requestId, job);
    this.onScaleSetJobQueued?.(job);
    this.wake();
    return job;
  }

  /** Hook set by the scale-set service so that queued jobs appear on a scale set's queue. */
  onScaleSetJobQueued?: (job: JobRecord) => void;
  onScaleSetJobEvent?: (job: JobRecord, event: 'started' | 'completed') => void;

  runnerMatches(runner: RunnerRecord, job: JobRecord): boolean {
    if (runner.state !== 'registered') return false;
    if (job.scaleSetId !== undefined) {
      return runner.scaleSetId === job.scaleSetId && (job.scaleSetState === 'assigned' || job.scaleSetState === 'acquired');
    }
    if (runner.scaleSetId !== undefined) return false;
    const inScope = runner.scope === `orgs/${job.owner}` || runner.scope === `repos/${job.repo}`;
    const have = new Set(runner.labels.map((l) => l.toLowerCase()));
    return inScope && job.labels.every((l) => have.has(l.toLowerCase()));
  }

  /** The next message for a session: queued control messages first, then a job it may take. */
  nextMessage(session: SessionRecord): { messageId: number; messageType: string; body: string } | undefined {
    const queued = session.outbox.shift();
    if (queued) return { messageId: this.nextId('msg'), ...queued };
    const runner = this.runners.get(session.runnerId);
    if (!runner || runner.busy) return undefined;
    for (const job of this.jobs.values()) {
      if (job.state !== 'queued' && job.state !== 'delivered') continue;
      if (!this.runnerMatches(runner, job)) continue;
      const live = job.deliveries.filter((d) => !d.expired);
      if (live.length >= job.fanout || live.some((d) => d.sessionId === session.sessionId)) continue;
      const messageId = this.nextId('msg');
      const delivery = { runnerRequestId: String(this.nextId('rrid')), sessionId: session.sessionId, runnerId: runner.id, messageId, expired: false } as JobRecord['deliveries'][number];
      delivery.timer = this.clock.setTimeout(() => this.expireDelivery(job, delivery), this.timings.deliveryWindowMs);
      job.deliveries.push(delivery);
      job.state = 'delivered';
      job.timesDelivered++;
      const body = {
        id: String(job.requestId), runner_request_id: delivery.runnerRequestId, should_acknowledge: false,
        run_service_url: `${this.baseUrl}/_run/${job.requestId}/`, billing_owner_id: `bo-${job.owner}`,
      };
      return { messageId, messageType: 'RunnerJobRequest', body: JSON.stringify(body) };
    }
    return undefined;
  }

  private expireDelivery(job: JobRecord, d: JobRecord['deliveries'][number]): void {
    d.expired = true;
    if (job.state === 'delivered' && job.deliveries.every((x) => x.expired)) job.state = 'queued';
    this.wake();
  }

  findDelivery(runnerRequestId: string): { job: JobRecord; delivery: JobRecord['deliveries'][number] } | undefined {
    for (const job of this.jobs.values()) {
      const delivery = job.deliveries.find((d) => d.runnerRequestId === runnerRequestId);
      if (delivery) return { job, delivery };
    }
    return undefined;
  }

  /** Acquires a delivered job for a runner; the caller has already checked 404/409 conditions. */
  acquire(job: JobRecord, delivery: JobRecord['deliveries'][number], runner: RunnerRecord): TokenRecord {
    for (const d of job.deliveries) d.timer?.cancel();
    job.state = 'acquired';
    job.timesAcquired++;
    job.acquiredBy = { runnerId: runner.id, runnerName: runner.name, sessionId: delivery.sessionId, runnerRequestId: delivery.runnerRequestId };
    const tok = this.mintToken('job-token', String(job.requestId), this.timings.jobTokenTtlMs, 'jt_');
    job.jobToken = tok.token;
    runner.busy = true;
    const run = this.runs.get(job.runId);
    if (run && run.status === 'queued') run.status = 'in_progress';
    this.setLock(job);
    job.unstartedTimer = this.clock.setTimeout(() => {
      if (job.state === 'acquired') this.conclude(job, 'canceled', 'The job was not started in time.');
    }, this.timings.unstartedCancelMs);
    if (runner.ephemeral) this.consumeRunner(runner.id);
    this.onScaleSetJobEvent?.(job, 'started');
    return tok;
  }

  setLock(job: JobRecord): void {
    job.lockTimer?.cancel();
    job.lockedUntil = this.clock.now() + this.timings.lockTtlMs;
    job.lockTimer = this.clock.setTimeout(() => {
      if (job.state === 'acquired' || job.state === 'running') this.conclude(job, 'failed', LOST_COMMUNICATION);
    }, this.timings.lockTtlMs);
  }

  conclude(job: JobRecord, conclusion: string, failureMessage?: string): void {
    job.lockTimer?.cancel();
    job.unstartedTimer?.cancel();
    for (const d of job.deliveries) d.timer?.cancel();
    job.state = conclusion === 'canceled' && job.cancelRequested ? 'cancelled' : 'completed';
    job.conclusion = conclusion;
    if (failureMessage) job.failureMessage = failureMessage;
    if (job.jobToken) {
      const t = this.tokens.get(job.jobToken);
      if (t) t.revoked = true;
    }
    const runner = job.acquiredBy ? this.runners.get(job.acquiredBy.runnerId) : undefined;
    if (runner) runner.busy = false;
    this.onScaleSetJobEvent?.(job, 'completed');
    this.settleRun(job.runId);
    this.wake();
  }

  /** A run concludes when none of its jobs is still open. */
  settleRun(runId: number): void {
    const run = this.runs.get(runId);
    if (!run) return;
    const jobs = [...this.jobs.values()].filter((j) => j.runId === runId);
    if (jobs.some((j) => j.state !== 'completed' && j.state !== 'cancelled')) return;
    run.status = 'completed';
    if (run.cancelled || jobs.some((j) => j.conclusion === 'canceled')) run.conclusion = 'cancelled';
    else if (jobs.some((j) => j.conclusion !== 'succeeded' && j.conclusion !== 'succeededWithIssues' && j.conclusion !== 'skipped')) run.conclusion = 'failure';
    else run.conclusion = 'success';
  }

  /** Cancels a run: unstarted jobs end at once; running ones get a JobCancellation and end when their worker completes. */
  cancelRun(runId: number): RunRecord | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    run.cancelled = true;
    for (const job of this.jobs.values()) {
      if (job.runId !== runId) continue;
      job.cancelRequested = true;
      if (job.state === 'queued' || job.state === 'delivered') this.conclude(job, 'canceled');
      else if ((job.state === 'acquired' || job.state === 'running') && job.acquiredBy) {
        const session = [...this.sessions.values()].find((s) => s.runnerId === job.acquiredBy!.runnerId && s.status === 'active');
        session?.outbox.push({ messageType: 'JobCancellation', body: JSON.stringify({ jobId: job.jobId, timeout: '00:05:00' }) });
      }
    }
    this.settleRun(runId);
    this.wake();
    return run;
  }

  /** Forces a run to a conclusion: every open job is concluded with `conclusion`. */
  completeRun(runId: number, conclusion = 'succeeded'): RunRecord | undefined {
    for (const job of this.jobs.values()) {
      if (job.runId === runId && job.state !== 'completed' && job.state !== 'cancelled') this.conclude(job, conclusion);
    }
    return this.runs.get(runId);
  }

  /** Re-queues the failed and cancelled jobs of a run's latest attempt as a new attempt. */
  rerunFailed(run: RunRecord): void {
    const latest = run.attempts;
    const failed = [...this.jobs.values()].filter((j) => j.runId === run.runId && (j.runAttempt ?? 1) === latest && j.conclusion !== 'succeeded');
    run.attempts++;
    run.status = 'queued';
    run.conclusion = null;
    run.cancelled = false;
    for (const j of failed) {
      this.enqueueJob({ repo: j.repo, labels: j.labels, runId: run.runId, durationMs: j.durationMs, conclusion: j.scriptedConclusion });
    }
  }

  consumeRunner(runnerId: number, state: 'consumed' | 'deleted' = 'consumed'): void {
    const runner = this.runners.get(runnerId);
    if (!runner) return;
    runner.state = state;
    runner.status = 'offline';
    this.runners.delete(runnerId);
    this.tombstones.set(runnerId, runner);
    for (const t of this.tokens.values()) if (t.kind === 'runner-oauth' && t.subject === String(runnerId)) t.revoked = true;
  }

  /** Deleted and consumed runners, kept so their sessions and OAuth clients can answer as GitHub does. */
  tombstones = new Map<number, RunnerRecord>();

  runnerByClientId(clientId: string): RunnerRecord | undefined {
    for (const r of this.runners.values()) if (r.clientId === clientId) return r;
    for (const r of this.tombstones.values()) if (r.clientId === clientId) return r;
    return undefined;
  }

  killSession(sessionId: string, status: 'expired' | 'invalidated' | 'deleted' = 'invalidated'): boolean {
    const s = this.sessions.get(sessionId);
    if (!s || s.status !== 'active') return false;
    s.status = status;
    const runner = this.runners.get(s.runnerId);
    if (runner) runner.status = 'offline';
    this.wake();
    return true;
  }

  scriptVariables(job: JobRecord): Record<string, { value: string; isSecret: boolean }> {
    return {
      [SCRIPT_VARIABLES.durationMs]: { value: String(job.durationMs), isSecret: false },
      [SCRIPT_VARIABLES.conclusion]: { value: job.scriptedConclusion, isSecret: false },
    };
  }
}

function defaultMeta(): Record<string, string[]> {
  return { api: ['127.0.0.1/32'], actions: ['127.0.0.1/32'], web: ['127.0.0.1/32'], git: ['127.0.0.1/32'] };
}

/** Empties every collection of a world, keeping its clock, timings and URL. */
export function resetWorld(w: World): void {
  for (const j of w.jobs.values()) {
    j.lockTimer?.cancel();
    j.unstartedTimer?.cancel();
    for (const d of j.deliveries) d.timer?.cancel();
  }
  for (const s of w.sessions.values()) s.status = 'invalidated';
  w.wake();
  w.apps.clear(); w.tokens.clear(); w.orgs.clear(); w.repos.clear(); w.runners.clear(); w.tombstones.clear();
  w.sessions.clear(); w.jobs.clear(); w.runs.clear(); w.scaleSets.clear(); w.runnerGroups.clear(); w.requests.length = 0;
  w.meta = defaultMeta();
  w.scaleSetMode = 'auto';
  w.agentsPageSize = 100;
  w.adminJwtEarlyExpiry = false;
}
