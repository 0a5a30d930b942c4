import { BrokerClientError } from './errors.js';

/** Queue statistics; scale on `totalAssignedJobs` (broker-protocol §13.4). */
export interface ScaleSetStatistics {
  readonly totalAvailableJobs: number;
  readonly totalAcquiredJobs: number;
  readonly totalAssignedJobs: number;
  readonly totalRunningJobs: number;
  readonly totalRegisteredRunners: number;
  readonly totalBusyRunners: number;
  readonly totalIdleRunners: number;
}

/** A scale set as the Actions Service returns it. */
export interface RunnerScaleSet {
  readonly id: number;
  readonly name: string;
  readonly runnerGroupId: number;
  readonly runnerGroupName?: string;
  readonly labels: readonly string[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Fields every job message carries. */
export interface ScaleSetJobBase {
  readonly runnerRequestId: number;
  readonly jobId: string;
  readonly repositoryName?: string;
  readonly ownerName?: string;
  readonly workflowRunId?: number;
  readonly jobWorkflowRef?: string;
  readonly jobDisplayName?: string;
  readonly eventName?: string;
  readonly requestLabels: readonly string[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One entry of a `RunnerScaleSetJobMessages` batch, by type. */
export type ScaleSetJobMessage =
  | (ScaleSetJobBase & { readonly type: 'JobAvailable'; readonly acquireJobUrl?: string })
  | (ScaleSetJobBase & { readonly type: 'JobAssigned' })
  | (ScaleSetJobBase & { readonly type: 'JobStarted'; readonly runnerId?: number; readonly runnerName?: string })
  | (ScaleSetJobBase & { readonly type: 'JobCompleted'; readonly result?: string; readonly runnerId?: number; readonly runnerName?: string })
  | (ScaleSetJobBase & { readonly type: 'unknown'; readonly messageType: string });

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reads statistics leniently: a missing counter is 0. */
export function readStatistics(value: unknown): ScaleSetStatistics | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  const n = (k: string): number => num(o[k]) ?? 0;
  return {
    totalAvailableJobs: n('totalAvailableJobs'),
    totalAcquiredJobs: n('totalAcquiredJobs'),
    totalAssignedJobs: n('totalAssignedJobs'),
    totalRunningJobs: n('totalRunningJobs'),
    totalRegisteredRunners: n('totalRegisteredRunners'),
    totalBusyRunners: n('totalBusyRunners'),
    totalIdleRunners: n('totalIdleRunners'),
  };
}

export function readScaleSet(value: unknown, operation: string): RunnerScaleSet {
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const id = num(o.id);
  const name = str(o.name);
  if (id === undefined || name === undefined) throw new BrokerClientError('malformed_body', `${operation}: the scale set lacks id or name`, { operation });
  const labels = Array.isArray(o.labels) ? o.labels.map((l) => (typeof l === 'string' ? l : (str((l as Record<string, unknown>)?.name) ?? ''))) : [];
  const groupName = str(o.runnerGroupName);
  return { id, name, runnerGroupId: num(o.runnerGroupId) ?? 0, ...(groupName !== undefined && { runnerGroupName: groupName }), labels, raw: o };
}

/** An entry of a `RunnerScaleSetJobMessages` batch that was skipped: its place in the batch and why. */
export interface ScaleSetRejectedEntry {
  /** Zero-based position in the message body's array. */
  readonly index: number;
  /** What is wrong with it (names the field). */
  readonly error: BrokerClientError;
  /** The entry as received. */
  readonly raw: unknown;
}

/** The entries of one batch: those that parse, and those skipped. */
export interface ScaleSetJobEntries {
  readonly jobs: ScaleSetJobMessage[];
  readonly rejected: ScaleSetRejectedEntry[];
}

/**
 * Parses the JSON array inside a `RunnerScaleSetJobMessages` body. A body that is not a JSON array is thrown
 * (`malformed_body`); one bad entry (not an object, no `jobId`) is skipped and reported in `rejected`, and the
 * rest of the batch is kept — one bad entry must not lose its neighbours.
 */
export function readJobMessages(body: string, operation: string): ScaleSetJobEntries {
  let list: unknown;
  try {
    list = body.trim() === '' ? [] : JSON.parse(body);
  } catch (cause) {
    throw new BrokerClientError('malformed_body', `${operation}: the message body is not a JSON array`, { operation, cause });
  }
  if (!Array.isArray(list)) throw new BrokerClientError('malformed_body', `${operation}: the message body is not a JSON array`, { operation });
  const out: ScaleSetJobEntries = { jobs: [], rejected: [] };
  list.forEach((entry: unknown, index) => {
    try {
      out.jobs.push(readJobMessage(entry, index, operation));
    } catch (error) {
      if (!(error instanceof BrokerClientError)) throw error;
      out.rejected.push({ index, error, raw: entry });
    }
  });
  return out;
}

function readJobMessage(entry: unknown, index: number, operation: string): ScaleSetJobMessage {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new BrokerClientError('malformed_body', `${operation}: entry ${index} of the message is not an object`, { operation });
  }
  const o = entry as Record<string, unknown>;
  const messageType = str(o.messageType) ?? '';
  const jobId = str(o.jobId);
  if (jobId === undefined || jobId === '') throw new BrokerClientError('malformed_body', `${operation}: entry ${index} (${messageType || 'job'} message) has no jobId`, { operation });
  const base: ScaleSetJobBase = {
    runnerRequestId: num(o.runnerRequestId) ?? 0,
    jobId,
    requestLabels: Array.isArray(o.requestLabels) ? o.requestLabels.filter((l): l is string => typeof l === 'string') : [],
    raw: o,
    ...(str(o.repositoryName) !== undefined && { repositoryName: str(o.repositoryName)! }),
    ...(str(o.ownerName) !== undefined && { ownerName: str(o.ownerName)! }),
    ...(num(o.workflowRunId) !== undefined && { workflowRunId: num(o.workflowRunId)! }),
    ...(str(o.jobWorkflowRef) !== undefined && { jobWorkflowRef: str(o.jobWorkflowRef)! }),
    ...(str(o.jobDisplayName) !== undefined && { jobDisplayName: str(o.jobDisplayName)! }),
    ...(str(o.eventName) !== undefined && { eventName: str(o.eventName)! }),
  };
  const runner = {
    ...(num(o.runnerId) !== undefined && { runnerId: num(o.runnerId)! }),
    ...(str(o.runnerName) !== undefined && { runnerName: str(o.runnerName)! }),
  };
  switch (messageType) {
    case 'JobAvailable':
      return { ...base, type: 'JobAvailable', ...(str(o.acquireJobUrl) !== undefined && { acquireJobUrl: str(o.acquireJobUrl)! }) };
    case 'JobAssigned':
      return { ...base, type: 'JobAssigned' };
    case 'JobStarted':
      return { ...base, type: 'JobStarted', ...runner };
    case 'JobCompleted':
      return { ...base, type: 'JobCompleted', ...runner, ...(str(o.result) !== undefined && { result: str(o.result)! }) };
    default:
      return { ...base, type: 'unknown', messageType };
  }
}
