// Read-only snapshots of the fake's state, as the control API hands them out.
import type { JobRecord, RunnerRecord, ScaleSetRecord, SessionRecord } from './state.js';

/** One job as the control API reports it. */
export interface JobView {
  requestId: number;
  jobId: string;
  planId: string;
  runId: number;
  repo: string;
  owner: string;
  labels: string[];
  state: JobRecord['state'];
  conclusion: string | null;
  failureMessage: string | null;
  acquiredBy: JobRecord['acquiredBy'] | null;
  timesDelivered: number;
  timesAcquired: number;
  deliveries: { runnerRequestId: string; sessionId: string; runnerId: number; expired: boolean }[];
  lockedUntil: string | null;
  scaleSetId: number | null;
  /** Where a scale-set job is: available (acquire mode), acquired, assigned; null before either. */
  scaleSetState: 'available' | 'acquired' | 'assigned' | null;
  durationMs: number;
  scriptedConclusion: string;
}

export function jobView(j: JobRecord): JobView {
  return {
    requestId: j.requestId, jobId: j.jobId, planId: j.planId, runId: j.runId, repo: j.repo, owner: j.owner, labels: j.labels,
    state: j.state, conclusion: j.conclusion ?? null, failureMessage: j.failureMessage ?? null, acquiredBy: j.acquiredBy ?? null,
    timesDelivered: j.timesDelivered, timesAcquired: j.timesAcquired,
    deliveries: j.deliveries.map((d) => ({ runnerRequestId: d.runnerRequestId, sessionId: d.sessionId, runnerId: d.runnerId, expired: d.expired })),
    lockedUntil: j.lockedUntil ? new Date(j.lockedUntil).toISOString() : null, scaleSetId: j.scaleSetId ?? null,
    durationMs: j.durationMs, scriptedConclusion: j.scriptedConclusion, scaleSetState: j.scaleSetState ?? null,
  };
}

/** One runner record (live or consumed/deleted). */
export interface RunnerView {
  id: number; name: string; scope: string; labels: string[]; groupId: number; clientId: string;
  status: string; busy: boolean; state: RunnerRecord['state']; ephemeral: boolean; scaleSetId: number | null;
}

export function runnerView(r: RunnerRecord): RunnerView {
  return {
    id: r.id, name: r.name, scope: r.scope, labels: r.labels, groupId: r.groupId, clientId: r.clientId, status: r.status,
    busy: r.busy, state: r.state, ephemeral: r.ephemeral, scaleSetId: r.scaleSetId ?? null,
  };
}

/** One classic broker session. */
export interface SessionView {
  sessionId: string; runnerId: number; ownerName: string; status: SessionRecord['status']; lastPollAt: string; encrypted: boolean;
}

export function sessionView(s: SessionRecord): SessionView {
  return { sessionId: s.sessionId, runnerId: s.runnerId, ownerName: s.ownerName, status: s.status, lastPollAt: new Date(s.lastPollAt).toISOString(), encrypted: !!s.aesKey };
}

/** One scale set with its session and message log. */
export interface ScaleSetView {
  id: number; name: string; runnerGroupId: number; labels: string[]; sessionId: string | null;
  messages: { messageId: number; deleted: boolean; types: string[] }[];
  /** The most jobs held by the scale set at once (assigned or acquired, not concluded). */
  peakAssigned: number;
}

export function scaleSetView(s: ScaleSetRecord): ScaleSetView {
  return {
    id: s.id, name: s.name, runnerGroupId: s.runnerGroupId, labels: s.labels, sessionId: s.session?.sessionId ?? null,
    messages: s.log.map((m) => ({ messageId: m.messageId, deleted: m.deleted, types: m.entries.map((e) => String(e.messageType)) })),
    peakAssigned: s.peakAssigned ?? 0,
  };
}
