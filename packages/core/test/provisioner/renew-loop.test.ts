import { describe, expect, it } from 'vitest';
import { RENEW_GONE_GRACE_MS, classifyFinishedPod, startRenewLoop, type JobLease } from '../../src/index.js';
import { harness } from './support/harness.js';

const lease: JobLease = { planId: 'plan-9', jobId: 'req-1234', runServiceUrl: 'https://run.example', jobToken: 'job-scoped-token' };
const pod = { namespace: 'tenant', name: 'runner-linux-plan-9', runnerGroup: 'linux' };

function setup() {
  const h = harness();
  const loop = (): ReturnType<typeof startRenewLoop> =>
    startRenewLoop({ lease, broker: h.broker, kubernetes: h.kube, clock: h.clock, metrics: h.metrics, logger: h.logger, pod });
  return { h, loop };
}

async function withWorkerPod(h: ReturnType<typeof harness>): Promise<void> {
  await h.kube.createPod('tenant', { metadata: { name: pod.name }, spec: { containers: [] } });
}

/** A running worker pod whose job GitHub no longer knows at the second renewal (60 s in); the clock stands there. */
async function goneAtSecondRenewal(h: ReturnType<typeof harness>, loop: () => ReturnType<typeof startRenewLoop>): Promise<ReturnType<typeof startRenewLoop>> {
  await withWorkerPod(h);
  h.kube.schedule(pod.name);
  h.broker.renewAnswers = [{ kind: 'renewed' }, { kind: 'gone', statusCode: 404 }];
  const l = loop();
  await h.clock.advance(60_000);
  return l;
}

describe('the renew loop', () => {
  it('renews at once, then every 60 s, with the job-scoped token and the job\'s own id', async () => {
    const { h, loop } = setup();
    const l = loop();
    await h.clock.advance(0);
    expect(h.broker.renewCalls).toHaveLength(1);
    await h.clock.advance(59_999);
    expect(h.broker.renewCalls).toHaveLength(1);
    await h.clock.advance(1);
    await h.clock.advance(120_000);
    expect(h.broker.renewCalls).toEqual(Array.from({ length: 4 }, () => ({ jobId: 'req-1234', token: 'job-scoped-token' })));
    expect(await l.stop()).toEqual({ kind: 'stopped' });
    await h.clock.advance(600_000);
    expect(h.broker.renewCalls).toHaveLength(4);
    expect(l.abandoned.aborted).toBe(false);
  });

  it.each([404, 410])('a %i cancels the job and deletes its pod, stamped job_abandoned', async (statusCode) => {
    const { h, loop } = setup();
    await withWorkerPod(h);
    let stampedBeforeDelete = false;
    const del = h.kube.deletePod.bind(h.kube);
    h.kube.deletePod = (ns, name, o) => {
      stampedBeforeDelete = h.kube.pod(name)?.metadata?.annotations?.['actions-gateway/deletion-reason'] === 'job_abandoned';
      return del(ns, name, o);
    };
    h.broker.renewAnswers = [{ kind: 'renewed' }, { kind: 'gone', statusCode }];
    const l = loop();
    const end = await h.clock.runUntil(l.ended);
    expect(end).toMatchObject({ kind: 'abandoned', cause: 'gone' });
    // The second renew (at 60 s) answers; the pod, still running unmarked, gets its 30 s grace to show a disruption.
    expect(h.clock.now().getTime() - new Date('2026-03-01T12:00:00Z').getTime()).toBe(60_000 + RENEW_GONE_GRACE_MS);
    expect(h.broker.cancelled).toEqual(['req-1234']);
    expect(h.kube.pod(pod.name)).toBeUndefined();
    expect(stampedBeforeDelete).toBe(true);
    expect(l.abandoned.aborted).toBe(true);
    // A teardown is not a reap: the reaper's metric keeps the reference's two reasons.
    expect(h.metrics.of('worker_pods_reaped_total')).toEqual([]);
  });

  // The pod as the kubelet shows it while (or after) a disruption took it, before the provisioner saw it end.
  const terminating = { deletionTimestamp: '2026-03-01T12:00:00Z', deletionGracePeriodSeconds: 30 };
  it.each([
    ['preempted (DisruptionTarget, terminating)', { phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] }, terminating],
    ['evicted by the kubelet', { phase: 'Failed', reason: 'Evicted' }, {}],
    ['deleted by someone else (a drain)', { phase: 'Running' }, terminating],
  ])('a 404 after the runner of a %s pod reported its end leaves the pod unstamped for the classifier', async (_what, status, metadata) => {
    const { h, loop } = setup();
    await withWorkerPod(h);
    const stored = h.kube.pods.get(`tenant/${pod.name}`)!;
    stored.status = status;
    stored.metadata = { ...stored.metadata, ...metadata };
    h.broker.renewAnswers = [{ kind: 'renewed' }, { kind: 'gone', statusCode: 404 }];
    const l = loop();
    expect(await h.clock.runUntil(l.ended)).toMatchObject({ kind: 'abandoned', cause: 'gone' });
    const left = h.kube.pod(pod.name);
    expect(left).toBeDefined();
    expect(left?.metadata?.annotations?.['actions-gateway/deletion-reason']).toBeUndefined();
    expect(classifyFinishedPod(left).kind).toBe('disrupted');
    expect(h.logger.lines.some((x) => /already disrupted/.test(x.msg))).toBe(true);
  });

  it('a 404 before the kubelet marks the killed runner\'s pod waits for the mark, then leaves the pod unstamped', async () => {
    const { h, loop } = setup();
    const l = await goneAtSecondRenewal(h, loop);
    expect(l.abandoned.aborted).toBe(true);
    await h.clock.advance(RENEW_GONE_GRACE_MS / 2);
    expect(h.kube.pod(pod.name)?.metadata?.annotations?.['actions-gateway/deletion-reason']).toBeUndefined();
    h.kube.evict(pod.name);
    expect(await h.clock.runUntil(l.ended)).toMatchObject({ kind: 'abandoned', cause: 'gone' });
    expect(h.kube.pod(pod.name)?.metadata?.annotations?.['actions-gateway/deletion-reason']).toBeUndefined();
    expect(classifyFinishedPod(h.kube.pod(pod.name))).toMatchObject({ kind: 'disrupted', cause: 'evicted' });
    expect(h.kube.deletedPods).toEqual([]);
  });

  it('stopping the loop cuts the grace short', async () => {
    const { h, loop } = setup();
    const l = await goneAtSecondRenewal(h, loop);
    expect(await l.stop()).toMatchObject({ kind: 'abandoned', cause: 'gone' });
    expect(h.clock.now().getTime() - new Date('2026-03-01T12:00:00Z').getTime()).toBe(60_000);
  });

  it('5 failures in a row give the job up; each is counted', async () => {
    const { h, loop } = setup();
    await withWorkerPod(h);
    h.broker.renewAnswers = Array.from({ length: 5 }, () => ({ kind: 'error' as const, error: new Error('503') }));
    const end = await h.clock.runUntil(loop().ended);
    expect(end).toMatchObject({ kind: 'abandoned', cause: 'failures' });
    expect(h.metrics.count('renewjob_errors_total', { namespace: 'tenant' })).toBe(5);
    expect(h.broker.cancelled).toEqual(['req-1234']);
    expect(h.kube.pod(pod.name)).toBeUndefined();
  });

  it('failures that are not consecutive do not give the job up', async () => {
    const { h, loop } = setup();
    const err = { kind: 'error' as const, error: new Error('503') };
    h.broker.renewAnswers = [err, err, err, err, { kind: 'renewed' }, err, err, err, err];
    const l = loop();
    await h.clock.advance(10 * 60_000);
    expect(l.abandoned.aborted).toBe(false);
    expect(h.metrics.count('renewjob_errors_total')).toBe(8);
    await l.stop();
  });

  it('a call that never answers fails at its 30 s deadline', async () => {
    const { h, loop } = setup();
    h.broker.renewAnswers = ['hang', 'hang', 'hang', 'hang', 'hang'];
    const end = await h.clock.runUntil(loop().ended);
    expect(end).toMatchObject({ kind: 'abandoned', cause: 'failures' });
    // five calls, each 30 s until its deadline, 60 s apart after each answer
    expect(h.clock.now().getTime() - new Date('2026-03-01T12:00:00Z').getTime()).toBe(5 * 30_000 + 4 * 60_000);
  });
});
