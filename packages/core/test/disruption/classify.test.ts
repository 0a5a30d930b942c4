import { describe, expect, it } from 'vitest';
import { classifyFinishedPod, type Pod } from '../../src/index.js';

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
  ])('%s', (_name, p, context, kind, cause) => {
    const c = classifyFinishedPod(p, context);
    expect(c.kind).toBe(kind);
    if (cause) expect(c).toMatchObject({ cause });
  });

  it('a DisruptionTarget condition that is False is no disruption', () => {
    expect(classifyFinishedPod(pod({ phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'False' }] })).kind).toBe('failed');
  });
});
