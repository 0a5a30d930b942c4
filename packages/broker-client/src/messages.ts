import { BrokerClientError } from './errors.js';

/** A `RunnerJobRequest`: a job offered to this session, to be claimed with acquirejob. */
export interface RunnerJobRequestEvent {
  readonly type: 'RunnerJobRequest';
  readonly messageId: number;
  /** The id acquirejob wants as `jobMessageId`. */
  readonly runnerRequestId: string;
  /** The run service for THIS job (U4); never reuse it for another job. */
  readonly runServiceUrl: string;
  readonly billingOwnerId?: string;
  readonly shouldAcknowledge: boolean;
}

/** The server cancelled a job this runner holds: relay it to the worker running `jobId`. */
export interface JobCancellationEvent {
  readonly type: 'JobCancellation';
  readonly messageId: number;
  /** The job's GUID (as in the acquired job message). */
  readonly jobId: string;
  /** How long the job has to stop, from the .NET TimeSpan (`00:05:00`), when given. */
  readonly timeoutMs?: number;
}

/** Legacy queue only: continue long-polling at `brokerBaseUrl` with the same session. */
export interface BrokerMigrationEvent {
  readonly type: 'BrokerMigration';
  readonly messageId: number;
  readonly brokerBaseUrl: string;
}

/** Re-mint the OAuth token and reconnect. */
export interface ForceTokenRefreshEvent {
  readonly type: 'ForceTokenRefresh';
  readonly messageId: number;
}

/** A self-update offer; a sign the advertised runner version is stale. */
export interface RunnerRefreshEvent {
  readonly type: 'RunnerRefresh';
  readonly messageId: number;
  readonly targetVersion?: string;
  readonly downloadUrl?: string;
}

/** Anything else (`RunnerShutdown`, `RunnerRefreshConfig`, types GitHub adds later): surfaced, not dropped silently. */
export interface UnknownBrokerEvent {
  readonly type: 'unknown';
  readonly messageId: number;
  readonly messageType: string;
  readonly body: string;
}

/** A classic broker message, by type. */
export type BrokerEvent =
  | RunnerJobRequestEvent
  | JobCancellationEvent
  | BrokerMigrationEvent
  | ForceTokenRefreshEvent
  | RunnerRefreshEvent
  | UnknownBrokerEvent;

/** Parses a .NET TimeSpan (`[d.]hh:mm:ss[.fff]`) to milliseconds. */
export function parseTimeSpan(text: string): number | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, days, h, min, s, frac] = m;
  return ((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000 + Math.round(Number(`0.${frac ?? 0}`) * 1000);
}

function bodyObject(messageType: string, body: string): Record<string, unknown> {
  const operation = 'getMessage';
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (cause) {
    throw new BrokerClientError('malformed_body', `${operation}: the ${messageType} body is not JSON`, { operation, cause });
  }
  if (typeof v !== 'object' || v === null) throw new BrokerClientError('malformed_body', `${operation}: the ${messageType} body is not an object`, { operation });
  return v as Record<string, unknown>;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Turns a decrypted envelope into a typed event. Throws `malformed_body` for a known type whose body lacks its fields. */
export function parseBrokerEvent(messageId: number, messageType: string, body: string): BrokerEvent {
  const operation = 'getMessage';
  const missing = (field: string): BrokerClientError =>
    new BrokerClientError('malformed_body', `${operation}: ${messageType} message ${messageId} has no "${field}"`, { operation });
  switch (messageType) {
    case 'RunnerJobRequest': {
      const o = bodyObject(messageType, body);
      const runnerRequestId = text(o.runner_request_id);
      const runServiceUrl = text(o.run_service_url);
      if (runnerRequestId === undefined) throw missing('runner_request_id');
      if (runServiceUrl === undefined) throw missing('run_service_url');
      const billingOwnerId = text(o.billing_owner_id);
      return { type: 'RunnerJobRequest', messageId, runnerRequestId, runServiceUrl, shouldAcknowledge: o.should_acknowledge === true, ...(billingOwnerId !== undefined && { billingOwnerId }) };
    }
    case 'JobCancellation': {
      const o = bodyObject(messageType, body);
      const jobId = text(o.jobId);
      if (jobId === undefined) throw missing('jobId');
      const timeoutMs = typeof o.timeout === 'string' ? parseTimeSpan(o.timeout) : undefined;
      return { type: 'JobCancellation', messageId, jobId, ...(timeoutMs !== undefined && { timeoutMs }) };
    }
    case 'BrokerMigration': {
      const brokerBaseUrl = text(bodyObject(messageType, body).brokerBaseUrl);
      if (brokerBaseUrl === undefined) throw missing('brokerBaseUrl');
      return { type: 'BrokerMigration', messageId, brokerBaseUrl };
    }
    case 'ForceTokenRefresh':
      return { type: 'ForceTokenRefresh', messageId };
    case 'RunnerRefresh': {
      const o = body.trim() === '' ? {} : bodyObject(messageType, body);
      const targetVersion = text(o.target_version ?? o.targetVersion);
      const downloadUrl = text(o.download_url ?? o.downloadUrl);
      return { type: 'RunnerRefresh', messageId, ...(targetVersion !== undefined && { targetVersion }), ...(downloadUrl !== undefined && { downloadUrl }) };
    }
    default:
      return { type: 'unknown', messageId, messageType, body };
  }
}
