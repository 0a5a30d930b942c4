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

/** Parses the JSON array inside a `RunnerScaleSetJobMessages` body. */
export function readJobMessages(body: string, operation: string): ScaleSetJobMessage[] {
  let list: unknown;
  try {
    list = body.trim() === '' ? [] : JSON.parse(body);
  } catch (cause) {
    throw new BrokerClientError('malformed_body', `${operation}: the message body is not a JSON array`, { operation, cause });
  }
  if (!Array.isArray(list)) throw new BrokerClientError('malformed_body', `${operation}: the message body is not a JSON array`, { operation });
  return list.map((entry): ScaleSetJobMessage => {
    const o = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const jobId = str(o.jobId);
    const messageType = str(o.messageType) ?? '';
    if (jobId === undefined) throw new BrokerClientError('malformed_body', `${operation}: a ${messageType || 'job'} message has no jobId`, { operation });
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
  });
}
