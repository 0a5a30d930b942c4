import { describe, expect, it } from 'vitest';
import { executeReaping, planReaping, type Pod, type WorkerPodJobRef } from '../../src/index.js';
import { harness } from '../provisioner/support/harness.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const settings = { completedPodTtlMs: 5 * 60_000, pendingPodDeadlineMs: 10 * 60_000 };

function pod(name: string, phase: string, createdMs: number, finishedMs?: number[], extra: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    metadata: { name, uid: `uid-${name}`, creationTimestamp: at(createdMs), ...extra },
    status: {
      phase,
      ...(finishedMs ? { containerStatuses: finishedMs.map((f, i) => ({ name: `c${i}`, state: { terminated: { finishedAt: at(f) } } })) } : {}),
    },
  };
}

describe('planReaping', () => {
  it('reaps terminal pods completedPodTTL after their last container finished, Pending pods at the deadline', () => {
    const pods = [
      pod('done-old', 'Succeeded', 0, [60_000, 120_000]), // due 7 min
      pod('failed-new', 'Failed', 0, [9 * 60_000]), // due 14 min
      pod('unknown-nostatus', 'Unknown', 0), // no finishedAt: creation + TTL = 5 min
      pod('stuck', 'Pending', 0), // due 10 min
      pod('young', 'Pending', 5 * 60_000), // due 15 min
      pod('running', 'Running', -10 * 3_600_000),
      pod('going', 'Succeeded', -3_600_000, [-3_600_000], { deletionTimestamp: at(0) }),
    ];
    const plan = planReaping(pods, settings, new Date(T0 + 10 * 60_000));
    expect(plan.actions.map((a) => [a.name, a.reason, a.stuckPending])).toEqual([
      ['done-old', 'completed_ttl', false],
      ['unknown-nostatus', 'completed_ttl', false],
      ['stuck', 'pending_deadline', true],
    ]);
    expect(plan.nextDueInMs).toBe(4 * 60_000);
  });

  it('is due exactly at the boundary, not a millisecond before', () => {
    const p = [pod('x', 'Pending', 0)];
    expect(planReaping(p, settings, new Date(T0 + 600_000 - 1))).toEqual({ actions: [], nextDueInMs: 1 });
    expect(planReaping(p, settings, new Date(T0 + 600_000)).actions).toHaveLength(1);
  });

  it('completedPodTTL 0 reaps at once; nothing waiting → no next time', () => {
    const plan = planReaping([pod('d', 'Succeeded', 0, [1_000])], { ...settings, completedPodTtlMs: 0 }, new Date(T0 + 1_000));
    expect(plan.actions).toHaveLength(1);
    expect(plan.nextDueInMs).toBeUndefined();
  });
});

describe('executeReaping on an injected clock', () => {
  it('stamps the reason before deleting, cancels stuck jobs, counts by reason, warns on the RunnerGroup', async () => {
    const h = harness();
    const group = { namespace: 'tenant', name: 'linux', uid: 'rg-uid-1', pendingPodDeadlineMs: settings.pendingPodDeadlineMs };
    await h.kube.createPod('tenant', { metadata: { name: 'stuck', annotations: { 'actions-gateway/plan-id': 'plan-s', 'actions-gateway/run-id': '77', 'actions-gateway/repository': 'octo/widgets' } }, spec: { containers: [] } });
    await h.kube.createPod('tenant', { metadata: { name: 'done' }, spec: { containers: [] } });
    h.kube.schedule('done');
    h.kube.setPhase('done', 'Succeeded');
    const order: string[] = [];
    const annotate = h.kube.annotatePod.bind(h.kube);
    const del = h.kube.deletePod.bind(h.kube);
    h.kube.annotatePod = (ns, name, a) => (order.push(`annotate ${name} ${Object.values(a).join()}`), annotate(ns, name, a));
    h.kube.deletePod = (ns, name, o) => (order.push(`delete ${name} ${o?.uid ?? ''}`), del(ns, name, o));
    const cancelled: WorkerPodJobRef[] = [];
    const deps = { kubernetes: h.kube, metrics: h.metrics, logger: h.logger, cancelJob: (j: WorkerPodJobRef) => (cancelled.push(j), Promise.resolve()) };

    const reap = async () => executeReaping(planReaping(await h.kube.listPods('tenant', {}), settings, h.clock.now()), group, deps);
    expect(await reap()).toBe(0);
    await h.clock.advance(5 * 60_000);
    expect(await reap()).toBe(1);
    expect(order).toEqual(['annotate done completed_ttl', `delete done ${'uid-2'}`]);
    await h.clock.advance(5 * 60_000);
    expect(await reap()).toBe(1);
    expect(order.slice(2)).toEqual(['annotate stuck pending_deadline', 'delete stuck uid-1']);
    expect(cancelled).toEqual([{ podName: 'stuck', podUid: 'uid-1', planId: 'plan-s', runId: '77', repository: 'octo/widgets' }]);
    expect(h.metrics.count('worker_pods_reaped_total', { reason: 'completed_ttl', runner_group: 'linux', namespace: 'tenant' })).toBe(1);
    expect(h.metrics.count('worker_pods_reaped_total', { reason: 'pending_deadline' })).toBe(1);
    expect(h.kube.events).toEqual([
      {
        regarding: { apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'RunnerGroup', namespace: 'tenant', name: 'linux', uid: 'rg-uid-1' },
        type: 'Warning',
        reason: 'WorkerPodStuckPending',
        action: 'ReapWorkerPods',
        message: 'worker pod stuck was Pending for more than 10m and has been deleted; check the pod template image and scheduling constraints',
      },
    ]);
  });

  it('leaves a newer pod of the same name alone (UID precondition), and goes on after a failure', async () => {
    const h = harness();
    const group = { namespace: 'tenant', name: 'linux', pendingPodDeadlineMs: 1_000 };
    await h.kube.createPod('tenant', { metadata: { name: 'a' }, spec: { containers: [] } });
    await h.kube.createPod('tenant', { metadata: { name: 'b' }, spec: { containers: [] } });
    await h.clock.advance(2_000);
    const plan = planReaping(await h.kube.listPods('tenant', {}), { ...settings, pendingPodDeadlineMs: 1_000 }, h.clock.now());
    await h.kube.deletePod('tenant', 'a');
    await h.kube.createPod('tenant', { metadata: { name: 'a' }, spec: { containers: [] } });
    const deps = { kubernetes: h.kube, metrics: h.metrics, logger: h.logger, cancelJob: () => Promise.reject(new Error('broker down')) };
    expect(await executeReaping(plan, group, deps)).toBe(1);
    expect(h.kube.pod('a')).toBeDefined();
    expect(h.kube.pod('b')).toBeUndefined();
    expect(h.logger.lines.filter((l) => l.msg.includes('could not cancel'))).toHaveLength(2);
  });
});
