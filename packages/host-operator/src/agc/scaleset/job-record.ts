/**
 * What the scale-set tier remembers of one job, write-ahead (DESIGN §3.6): the job's assignment, start and
 * conclusion as the queue reported them, and whether its worker pod has ended. A record is written before
 * the message that changed it is acknowledged, so a restarted AGC replays it instead of losing the job.
 */
import type { ScaleSetJobMessage } from '@actions-gateway/broker-client';

/** Where a job is at GitHub, as far as the queue has told us. */
export type ScaleSetJobPhase = 'assigned' | 'started' | 'completed';

/** One job of the group's scale set. */
export interface ScaleSetJobRecord {
  /** The job's GUID: also the provisioner's plan id (pod `runner-<group>-<jobId>`, Secret `job-<jobId>`). */
  readonly jobId: string;
  readonly runnerRequestId: number;
  readonly phase: ScaleSetJobPhase;
  /** The workflow run, for a disruption re-run. */
  readonly runId?: number | undefined;
  /** `owner/repo`. */
  readonly repository?: string | undefined;
  /** When the AGC saw the assignment (ISO-8601): the start of `job_duration_seconds`. */
  readonly assignedAt: string;
  /** The runner that took the job (JobStarted/JobCompleted). */
  readonly runnerName?: string | undefined;
  /** JobCompleted's `result` (`succeeded`, `failed`, `canceled`…). */
  readonly result?: string | undefined;
  /**
   * When the tier learned that result (ISO-8601). A `canceled` learned once the pod's disruption had begun is
   * the killed runner reporting its own end, not a user's cancel: the pod is still re-run.
   */
  readonly resultAt?: string | undefined;
  /** The worker pod made for this job has ended (or was never needed). */
  readonly podDone?: boolean | undefined;
  /**
   * The current attempt's pod was created (stored right after the create). A replayed job without it and
   * without a pod never got one, so it is provisioned at once; with it and no pod, its pod ran and is gone,
   * and what its runner did may still wait in the queue.
   */
  readonly podCreated?: boolean | undefined;
  /**
   * How many earlier pods of this job ended before their runner took any job (0 when absent): each such end
   * leaves the job waiting at GitHub, so it gets a new pod, `plan id = <jobId>.r<attempt>`.
   */
  readonly attempt?: number | undefined;
  /** The job the runner of this job's current pod took (JobStarted named it), and its run. */
  readonly ran?: RanJob | undefined;
}

/** What a pod's runner ran: the job, and its run for a disruption re-run. */
export interface RanJob {
  readonly jobId: string;
  readonly runId?: number | undefined;
  readonly repository?: string | undefined;
}

/** The provisioner's plan id of a job's current pod: the job GUID, suffixed `.r<n>` from the second pod on
 * (a dot never occurs in a GUID, so the suffix cannot be mistaken for part of one). */
export function planIdOf(record: Pick<ScaleSetJobRecord, 'jobId' | 'attempt'>): string {
  return record.attempt ? `${record.jobId}.r${record.attempt}` : record.jobId;
}

/** The job GUID of a plan id made by {@link planIdOf}. */
export function jobIdOfPlan(planId: string): string {
  return planId.replace(/\.r\d+$/, '');
}

const phaseRank: Readonly<Record<ScaleSetJobPhase, number>> = { assigned: 0, started: 1, completed: 2 };

/** `owner/repo` from a message, when both halves are there. */
export function repositoryOf(message: ScaleSetJobMessage): string | undefined {
  const { ownerName, repositoryName } = message;
  if (!ownerName || !repositoryName) return undefined;
  return repositoryName.includes('/') ? repositoryName : `${ownerName}/${repositoryName}`;
}

/**
 * The record after one queue entry, or undefined when the entry changes nothing (a phase never moves back:
 * a JobAssigned replayed after JobStarted is a no-op). An entry for a job the AGC never saw assigned (it
 * started before the AGC's state existed) creates the record at the entry's phase.
 */
export function applyJobMessage(previous: ScaleSetJobRecord | undefined, message: ScaleSetJobMessage, now: Date): ScaleSetJobRecord | undefined {
  if (message.type !== 'JobAssigned' && message.type !== 'JobStarted' && message.type !== 'JobCompleted') return undefined;
  const phase: ScaleSetJobPhase = message.type === 'JobAssigned' ? 'assigned' : message.type === 'JobStarted' ? 'started' : 'completed';
  if (previous && phaseRank[previous.phase] >= phaseRank[phase]) return undefined;
  const runnerName = message.type === 'JobAssigned' ? undefined : message.runnerName || undefined;
  const repository = repositoryOf(message);
  return {
    jobId: message.jobId,
    runnerRequestId: previous?.runnerRequestId || message.runnerRequestId,
    phase,
    runId: previous?.runId ?? message.workflowRunId,
    repository: previous?.repository ?? repository,
    assignedAt: previous?.assignedAt ?? now.toISOString(),
    runnerName: runnerName ?? previous?.runnerName,
    result: message.type === 'JobCompleted' ? (message.result ?? 'unknown') : previous?.result,
    resultAt: message.type === 'JobCompleted' ? now.toISOString() : previous?.resultAt,
    podDone: previous?.podDone,
    podCreated: previous?.podCreated,
    attempt: previous?.attempt,
    ran: previous?.ran,
  };
}

/** Reads a stored record; undefined (and the caller logs it) when it is not one. */
export function parseJobRecord(text: string): ScaleSetJobRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.jobId !== 'string' || o.jobId === '' || typeof o.assignedAt !== 'string') return undefined;
  if (o.phase !== 'assigned' && o.phase !== 'started' && o.phase !== 'completed') return undefined;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    jobId: o.jobId,
    runnerRequestId: num(o.runnerRequestId) ?? 0,
    phase: o.phase,
    runId: num(o.runId),
    repository: str(o.repository),
    assignedAt: o.assignedAt,
    runnerName: str(o.runnerName),
    result: str(o.result),
    resultAt: str(o.resultAt),
    podDone: o.podDone === true ? true : undefined,
    podCreated: o.podCreated === true ? true : undefined,
    attempt: num(o.attempt),
    ran: parseRan(o.ran),
  };
}

function parseRan(value: unknown): RanJob | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.jobId !== 'string' || o.jobId === '') return undefined;
  return { jobId: o.jobId, runId: typeof o.runId === 'number' ? o.runId : undefined, repository: typeof o.repository === 'string' ? o.repository : undefined };
}

/** A record as stored: JSON without the unset fields. */
export function formatJobRecord(record: ScaleSetJobRecord): string {
  return JSON.stringify(record);
}

/**
 * When the tier learned that the job was cancelled (`JobCompleted` `canceled`); undefined when it was not.
 * A record without `resultAt` (stored by an older AGC) counts as learned at once, before any disruption.
 */
export function cancelledAt(record: ScaleSetJobRecord | undefined): Date | undefined {
  if (record?.result !== 'canceled') return undefined;
  const at = record.resultAt === undefined ? Number.NaN : new Date(record.resultAt).getTime();
  return Number.isFinite(at) ? new Date(at) : new Date(0);
}

/** A record the tier may forget: concluded at GitHub and its pod gone (the cursor guards replays). */
export function isSettled(record: ScaleSetJobRecord): boolean {
  return record.phase === 'completed' && record.podDone === true;
}

/**
 * The minimal payload staged for the worker and read back by the provisioner: the run and repository in the
 * shape of a classic acquire body (`variables["system.github.run_id"]`, `…repository`), so core records them
 * on the pod and a disruption can be re-run. The scale-set runner gets its job itself; this is not a job body.
 */
export function scaleSetPayload(record: ScaleSetJobRecord, scaleSet: { readonly id: number; readonly name: string }): string {
  const variables: Record<string, { value: string; isSecret: false }> = {};
  if (record.runId !== undefined) variables['system.github.run_id'] = { value: String(record.runId), isSecret: false };
  if (record.repository !== undefined) variables['system.github.repository'] = { value: record.repository, isSecret: false };
  return JSON.stringify({
    kind: 'scaleset',
    jobId: record.jobId,
    runnerRequestId: record.runnerRequestId,
    scaleSet: { id: scaleSet.id, name: scaleSet.name },
    variables,
  });
}
