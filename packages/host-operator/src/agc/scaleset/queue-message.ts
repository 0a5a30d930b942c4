/**
 * What one queue message changes in the tier's state: the job records it moves (write-ahead, stored before
 * the message is acknowledged), the jobs newly assigned to the group, and whether jobs became available to
 * acquire (GHES). Pure: the listener stores, acknowledges and acts on the result.
 */
import type { ScaleSetJobMessage } from '@actions-gateway/broker-client';
import { applyJobMessage, isSettled, type ScaleSetJobRecord } from './job-record.js';

/** The effect of one message. */
export interface MessageEffect {
  /** Records to store (`null`: forget the job). */
  readonly changes: Map<string, ScaleSetJobRecord | null>;
  /** Jobs assigned to the group for the first time: each gets a worker pod. */
  readonly assigned: string[];
  /** `runnerRequestId`s of JobAssigned entries (to settle acquirejobs claims). */
  readonly assignedRequestIds: number[];
  /** A JobAvailable was seen (acquire mode). */
  available: boolean;
  /** Message types the tier does not know, by count. */
  readonly unknown: string[];
  /** Jobs started by a runner made for another job's pod: `[jobId, podJobId]`. */
  readonly crossed: Array<readonly [string, string]>;
}

/** Applies a message's entries to `jobs` (not modified). `jobOfRunner` maps a runner name to the job its pod was made for. */
export function effectOf(entries: readonly ScaleSetJobMessage[], jobs: ReadonlyMap<string, ScaleSetJobRecord>, now: Date, jobOfRunner: (runnerName: string | undefined) => string | undefined): MessageEffect {
  const effect: MessageEffect = { changes: new Map(), assigned: [], assignedRequestIds: [], available: false, unknown: [], crossed: [] };
  for (const entry of entries) {
    if (entry.type === 'JobAvailable') {
      effect.available = true;
      continue;
    }
    if (entry.type === 'unknown') {
      effect.unknown.push(entry.messageType || '(none)');
      continue;
    }
    if (entry.type === 'JobAssigned') effect.assignedRequestIds.push(entry.runnerRequestId);
    const current = effect.changes.has(entry.jobId) ? (effect.changes.get(entry.jobId) ?? undefined) : jobs.get(entry.jobId);
    const applied = applyJobMessage(current, entry, now);
    if (!applied) continue;
    // A job first heard of after its assignment (state older than the queue) has no pod of this tier.
    const next = !current && entry.type !== 'JobAssigned' ? { ...applied, podDone: true } : applied;
    if (!current && !jobs.has(entry.jobId) && entry.type === 'JobAssigned') effect.assigned.push(entry.jobId);
    if (entry.type === 'JobStarted') {
      const podJob = jobOfRunner(entry.runnerName);
      if (podJob !== undefined && podJob !== entry.jobId) effect.crossed.push([entry.jobId, podJob]);
    }
    effect.changes.set(entry.jobId, isSettled(next) ? null : next);
  }
  return effect;
}
