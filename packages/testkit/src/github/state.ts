// The fake's entities (spec §15.1). Plain data; the services own the transitions.
import type { KeyObject } from 'node:crypto';
import type { ClockTimer } from '../clock.js';

export type CredentialKind =
  | 'none' | 'app-jwt' | 'installation-token' | 'registration-token' | 'remote-auth' | 'runner-oauth'
  | 'job-token' | 'admin-jwt' | 'queue-token' | 'unknown';

export interface TokenRecord {
  token: string;
  kind: CredentialKind;
  /** installation id, runner id, job request id, scale-set id… depending on kind. */
  subject: string;
  expiresAt: number;
  revoked?: boolean;
}

export interface AppRecord {
  appId: number;
  clientId: string;
  installationId: number;
  org: string;
  publicKey: KeyObject;
}

export interface RunnerRecord {
  id: number;
  name: string;
  /** `orgs/{org}` or `repos/{owner}/{repo}`. */
  scope: string;
  owner: string;
  groupId: number;
  labels: string[];
  clientId: string;
  publicKey: KeyObject;
  ephemeral: boolean;
  scaleSetId?: number;
  status: 'offline' | 'online';
  busy: boolean;
  state: 'registered' | 'consumed' | 'deleted';
}

export interface SessionRecord {
  sessionId: string;
  runnerId: number;
  ownerName: string;
  token: string;
  status: 'active' | 'deleted' | 'expired' | 'invalidated';
  lastPollAt: number;
  /** JIT runner consumed: the next poll gets 200 with an empty body, later ones 401. */
  consumedSignalled?: boolean;
  aesKey?: Buffer;
  outbox: BrokerMessage[];
}

export interface BrokerMessage {
  messageType: string;
  body: string;
}

export type JobState = 'queued' | 'delivered' | 'acquired' | 'running' | 'completed' | 'cancelled';

export interface Delivery {
  runnerRequestId: string;
  sessionId: string;
  runnerId: number;
  messageId: number;
  expired: boolean;
  timer?: ClockTimer;
}

export interface JobRecord {
  requestId: number;
  jobId: string;
  planId: string;
  timelineId: string;
  runId: number;
  owner: string;
  repo: string;
  workflow: string;
  labels: string[];
  state: JobState;
  conclusion?: string;
  failureMessage?: string;
  durationMs: number;
  scriptedConclusion: string;
  fanout: number;
  deliveries: Delivery[];
  timesDelivered: number;
  timesAcquired: number;
  acquiredBy?: { runnerId: number; runnerName: string; sessionId?: string; runnerRequestId: string };
  lockedUntil?: number;
  lockTimer?: ClockTimer;
  unstartedTimer?: ClockTimer;
  jobToken?: string;
  cancelRequested: boolean;
  /** set when the job targets a scale set by its name label. */
  scaleSetId?: number;
  scaleSetState?: 'available' | 'acquired' | 'assigned';
  queuedAt: number;
  /** The run attempt this job belongs to (a re-run queues the failed jobs of the latest attempt only). */
  runAttempt?: number;
}

export interface RunRecord {
  runId: number;
  owner: string;
  repo: string;
  workflow: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'cancelled' | null;
  attempts: number;
  cancelled: boolean;
}

export interface ScaleSetRecord {
  id: number;
  name: string;
  runnerGroupId: number;
  runnerGroupName: string;
  labels: string[];
  owner: string;
  scope: string;
  runnerSetting: Record<string, unknown>;
  createdOn: string;
  session?: ScaleSetSession;
  log: ScaleSetMessage[];
  /** The most jobs ever assigned (or acquired) to the scale set and not yet concluded, at once. */
  peakAssigned?: number;
}

export interface ScaleSetSession {
  sessionId: string;
  ownerName: string;
  queueToken: string;
  lastPollAt: number;
}

export interface ScaleSetMessage {
  messageId: number;
  deleted: boolean;
  entries: Record<string, unknown>[];
  /** A message pushed as it is through the control API: sent instead of `entries`. */
  raw?: { messageType: string; body: string };
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  credential: CredentialKind;
  body: unknown;
  status: number;
  fault?: string;
  /** The `X-ScaleSetMaxCapacity` a scale-set poll advertised. */
  scaleSetMaxCapacity?: number;
  /** The client closed the connection before the response was finished (aborted, timed out, black-holed). */
  abandoned?: boolean;
}
