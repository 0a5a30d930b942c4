import { describe, expect, it } from 'vitest';
import { classifyFinishedPod, disruptionStartedAt, type Pod } from '../../src/index.js';

const pod = (status: Pod['status'], meta: Pod['metadata'] = {}): Pod => ({ metadata: { name: 'p', ...meta }, status });
const now = '2026-03-01T12:00:00Z';

describe('classifyFinishedPod', () => {
  it.each<[string, Pod | undefined, object, string, string?]>([
    ['succeeded', pod({ phase: 'Succeeded' }), {}, 'succeeded'],
    ['failed on its own', pod({ phase: 'Failed', reason: 'Error' }), {}, 'failed'],
    ['hit maxWorkerLifetime', pod({ phase: 'Failed', reason: 'DeadlineExceeded' }), {}, 'failed'],
    ['kubelet eviction', pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }), {}, 'disrupted', 'evicted'],
    ['preemption', pod({ phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] }, { deletionTimestamp: now }), {}, 'disrupted', 'preempted'],
    ['drain', pod({ phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] }, { deletionTimestamp: now }), {}, 'disrupted', 'drained'],
    ['taint manager', pod({ phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }] }), {}, 'disrupted', 'deleted'],
    ['kubectl delete', pod({ phase: 'Running' }, { deletionTimestamp: now }), {}, 'disrupted', 'deleted'],
    ['node lost', pod({ phase: 'Unknown' }), {}, 'disrupted', 'node_lost'],
    ['vanished', undefined, {}, 'disrupted', 'vanished'],
    ['deleted by the AGC without a stamp', pod({ phase: 'Running' }, { deletionTimestamp: now }), { deletedByAgc: true }, 'failed'],
    ['vanished after the AGC deleted it', undefined, { deletedByAgc: true }, 'reaped'],
    ['reaped at the pending deadline', pod({ phase: 'Pending' }, { deletionTimestamp: now, annotations: { 'actions-gateway/deletion-reason': 'pending_deadline' } }), {}, 'reaped'],
    ['abandoned, even if evicted afterwards', pod({ phase: 'Failed', reason: 'Evicted' }, { annotations: { 'actions-gateway/deletion-reason': 'job_abandoned' } }), {}, 'reaped'],
    ['cancelled job, evicted while stopping', pod({ phase: 'Failed', reason: 'Evicted' }), { jobCancelled: true }, 'cancelled'],
    ['cancelled job', pod({ phase: 'Failed' }), { jobCancelled: true }, 'cancelled'],
    ['stopped by the AGC for a user\'s cancellation (stamp survives a restart)', pod({ phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] }, { deletionTimestamp: now, annotations: { 'actions-gateway/deletion-reason': 'job_cancelled' } }), {}, 'cancelled'],
  ])('%s', (_name, p, context, kind, cause) => {
    const c = classifyFinishedPod(p, context);
    expect(c.kind).toBe(kind);
    if (cause) expect(c).toMatchObject({ cause });
  });

  describe('a cancellation learned after the disruption began is the killed runner reporting it', () => {
    const evicted = pod({ phase: 'Failed', reason: 'Evicted', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', lastTransitionTime: '2026-03-01T12:00:00Z' }] });
    const preempted = pod({ phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', lastTransitionTime: new Date('2026-03-01T12:00:00Z') }] }, { deletionTimestamp: '2026-03-01T12:00:30Z', deletionGracePeriodSeconds: 30 });
    const deleted = pod({ phase: 'Failed' }, { deletionTimestamp: '2026-03-01T12:00:30Z', deletionGracePeriodSeconds: 30 });
    it.each<[string, Pod, string, string]>([
      ['evicted, canceled reported 2 s later', evicted, '2026-03-01T12:00:02Z', 'disrupted'],
      ['evicted, canceled at the same instant', evicted, '2026-03-01T12:00:00Z', 'disrupted'],
      ['evicted after a user cancel', evicted, '2026-03-01T11:59:58Z', 'cancelled'],
      ['preempted, canceled while terminating', preempted, '2026-03-01T12:00:05Z', 'disrupted'],
      ['deleted (grace 30 s), canceled 1 s after the delete', deleted, '2026-03-01T12:00:01Z', 'disrupted'],
      ['deleted after a user cancel', deleted, '2026-03-01T11:59:00Z', 'cancelled'],
      ['stopped on its own after a cancel (no disruption on the pod)', pod({ phase: 'Failed' }), '2026-03-01T12:00:00Z', 'cancelled'],
    ])('%s', (_name, p, at, kind) => {
      expect(classifyFinishedPod(p, { jobCancelled: true, jobCancelledAt: new Date(at) }).kind).toBe(kind);
    });

    it('the disruption start is the earliest sign on the pod', () => {
      expect(disruptionStartedAt(preempted)?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
      expect(disruptionStartedAt(deleted)?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
      expect(disruptionStartedAt(pod({ phase: 'Failed' }))).toBeUndefined();
    });
  });

  it('a DisruptionTarget condition that is False is no disruption', () => {
    expect(classifyFinishedPod(pod({ phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'False' }] })).kind).toBe('failed');
  });
});
