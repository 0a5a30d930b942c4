// The write-ahead state without I/O: how queue entries move job records, how the ConfigMap data encodes
// and decodes (bad entries skipped and named), and the capacity arithmetic.
import type { ScaleSetJobMessage } from '@actions-gateway/broker-client';
import { describe, expect, it } from 'vitest';
import { computeCapacity } from '../../../src/agc/scaleset/capacity.js';
import { applyJobMessage, cancelledAt, jobIdOfPlan, planIdOf, scaleSetPayload, type ScaleSetJobRecord } from '../../../src/agc/scaleset/job-record.js';
import { jobOfRunner, runnerNamePrefix } from '../../../src/agc/scaleset/job-worker.js';
import { effectOf } from '../../../src/agc/scaleset/queue-message.js';
import { decodeState, encodeChange, jobKey, scaleSetStateName } from '../../../src/agc/scaleset/state-store.js';
import { readJobRun } from '@actions-gateway/core';

const now = new Date('2026-11-24T12:00:00Z');
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const base = { runnerRequestId: 7, requestLabels: ['linux'], raw: {}, ownerName: 'acme', repositoryName: 'app', workflowRunId: 42 };
const msg = (type: 'JobAssigned' | 'JobStarted' | 'JobCompleted', jobId: string, extra: Record<string, unknown> = {}): ScaleSetJobMessage => ({ ...base, jobId, type, ...extra });

describe('job records', () => {
  it('moves forward only: assigned → started → completed; a replayed JobAssigned changes nothing', () => {
    const assigned = applyJobMessage(undefined, msg('JobAssigned', A), now)!;
    expect(assigned).toMatchObject({ jobId: A, phase: 'assigned', runId: 42, repository: 'acme/app', assignedAt: now.toISOString() });
    const started = applyJobMessage(assigned, msg('JobStarted', A, { runnerName: 'r1' }), now)!;
    expect(started).toMatchObject({ phase: 'started', runnerName: 'r1', assignedAt: now.toISOString() });
    expect(applyJobMessage(started, msg('JobAssigned', A), now)).toBeUndefined();
    expect(applyJobMessage(started, msg('JobCompleted', A, { result: 'canceled' }), now)).toMatchObject({ phase: 'completed', result: 'canceled' });
  });

  it('stamps when a result was learned; only a canceled one is a cancellation, dated by that stamp', () => {
    const started = applyJobMessage(undefined, msg('JobStarted', A, { runnerName: 'r1' }), now)!;
    const later = new Date(now.getTime() + 5_000);
    const cancelled = applyJobMessage(started, msg('JobCompleted', A, { result: 'canceled' }), later)!;
    expect(cancelled).toMatchObject({ result: 'canceled', resultAt: later.toISOString(), assignedAt: now.toISOString() });
    expect(cancelledAt(cancelled)).toEqual(later);
    expect(cancelledAt(applyJobMessage(started, msg('JobCompleted', A, { result: 'failed' }), later))).toBeUndefined();
    expect(cancelledAt(undefined)).toBeUndefined();
    // Stored by an AGC that did not stamp it: learned before anything, so a user's cancel.
    expect(cancelledAt({ ...cancelled, resultAt: undefined })).toEqual(new Date(0));
    const stored = decodeState({ [`job.${A}`]: JSON.stringify({ ...cancelled, podCreated: true }) }).state.jobs.get(A);
    expect(stored).toMatchObject({ resultAt: later.toISOString(), podCreated: true });
  });

  it('carries the run in the payload the provisioner reads back', () => {
    const record = applyJobMessage(undefined, msg('JobAssigned', A), now)!;
    expect(readJobRun(scaleSetPayload(record, { id: 3, name: 'linux' }))).toEqual({ ok: true, run: { runId: '42', owner: 'acme', repo: 'app' } });
  });

  it('names later pods of a job by attempt, and maps runners back to jobs', () => {
    expect(planIdOf({ jobId: A })).toBe(A);
    expect(planIdOf({ jobId: A, attempt: 2 })).toBe(`${A}.r2`);
    expect(jobIdOfPlan(`${A}.r2`)).toBe(A);
    expect(jobIdOfPlan(A)).toBe(A);
    expect(jobOfRunner(`${runnerNamePrefix(B)}-0a1b2c3d`, [A, B])).toBe(B);
    expect(jobOfRunner('someone-else', [A, B])).toBeUndefined();
  });
});

describe('the effect of one queue message', () => {
  it('records new assignments, the job a pod ran, crossings, and forgets settled jobs', () => {
    const jobs = new Map<string, ScaleSetJobRecord>([[B, { jobId: B, runnerRequestId: 8, phase: 'completed', assignedAt: now.toISOString(), podDone: false }]]);
    const effect = effectOf(
      [msg('JobAssigned', A), msg('JobStarted', A, { runnerName: `${runnerNamePrefix(B)}-ffff0000` }), { ...base, jobId: 'x', type: 'unknown', messageType: 'Weird' }, { ...base, jobId: 'y', type: 'JobAvailable' }],
      jobs,
      now,
      (name) => jobOfRunner(name, [A, B]),
    );
    expect(effect.assigned).toEqual([A]);
    expect(effect.changes.get(A)).toMatchObject({ phase: 'started' });
    expect(effect.changes.get(B)).toMatchObject({ ran: { jobId: A, runId: 42, repository: 'acme/app' } });
    expect(effect.crossed).toEqual([[A, B]]);
    expect(effect.unknown).toEqual(['Weird']);
    expect(effect.available).toBe(true);
    const done = effectOf([msg('JobCompleted', B)], new Map([[B, { jobId: B, runnerRequestId: 8, phase: 'started', assignedAt: now.toISOString(), podDone: true }]]), now, () => undefined);
    expect(done.changes.get(B)).toBeNull();
  });

  it('gives a job first heard of by its start no pod of its own', () => {
    const effect = effectOf([msg('JobStarted', A)], new Map(), now, () => undefined);
    expect(effect.assigned).toEqual([]);
    expect(effect.changes.get(A)).toMatchObject({ phase: 'started', podDone: true });
  });
});

describe('the state ConfigMap data', () => {
  it('round-trips scale set, cursor and jobs; removals are nulls', () => {
    const record: ScaleSetJobRecord = { jobId: A, runnerRequestId: 7, phase: 'assigned', assignedAt: now.toISOString(), runId: 42, repository: 'acme/app', attempt: 1 };
    const data = encodeChange({ scaleSet: { id: 3, name: 'linux', runnerGroupId: 1 }, cursor: 17, sessionId: B, jobs: new Map([[A, record], [B, null]]) });
    expect(data[jobKey(B)]).toBeNull();
    // A session deleted at GitHub is forgotten: a null removes the key in the merge patch.
    expect(encodeChange({ sessionId: null })).toEqual({ session: null });
    const stored = Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => e[1] !== null));
    expect(decodeState(stored)).toEqual({ state: { scaleSet: { id: 3, name: 'linux', runnerGroupId: 1 }, cursor: 17, sessionId: B, jobs: new Map([[A, { ...record, runnerName: undefined, result: undefined, podDone: undefined, ran: undefined }]]) }, problems: [] });
  });

  it('skips and names what does not parse, never throws', () => {
    const { state, problems } = decodeState({ scaleSet: '{', cursor: 'x', session: '../x', [`job.${A}`]: 'null', 'job.b': '{"jobId":"b","phase":"flying","assignedAt":"t"}' });
    expect(state).toEqual({ cursor: 0, jobs: new Map() });
    expect(problems).toEqual(['scaleSet', 'cursor', 'session', `job.${A}`, 'job.b']);
  });

  it('bounds its name and keys', () => {
    expect(scaleSetStateName('linux')).toBe('linux-scaleset-state');
    expect(scaleSetStateName('a'.repeat(63)).length).toBeLessThanOrEqual(63);
    expect(jobKey('not a key!')).toMatch(/^job\.h-[0-9a-f]{8}$/);
  });
});

describe('advertised capacity', () => {
  const assessment = (capacity: number) => ({ decision: { admit: capacity > 0 } as never, capacity });
  it('is live held jobs plus headroom; room is headroom minus jobs still waiting for a pod', () => {
    expect(computeCapacity(assessment(3), 0, 0)).toMatchObject({ advertised: 3, room: 3 });
    expect(computeCapacity(assessment(1), 2, 0)).toMatchObject({ advertised: 3, room: 1 });
    expect(computeCapacity(assessment(2), 1, 1)).toMatchObject({ advertised: 3, room: 1 });
    expect(computeCapacity(assessment(0), 3, 2)).toMatchObject({ advertised: 3, room: 0 });
    expect(computeCapacity(assessment(Number.POSITIVE_INFINITY), 0, 0).advertised).toBe(1_000);
  });
});
