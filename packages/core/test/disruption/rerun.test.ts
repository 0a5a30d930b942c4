import { describe, expect, it } from 'vitest';
import { DisruptionRerunner, InMemoryRerunBudgetStore, provision, startRenewLoop, stampAndDeletePod, workerPodName, type ProvisionJob } from '../../src/index.js';
import { jobPayload, testGroup } from '../provisioner/support/fixtures.js';
import { harness } from '../provisioner/support/harness.js';

const RUN = '4242';
const planId = 'b7e0c1d2-aaaa-4bbb-8ccc-123456789abc';
const podName = workerPodName('linux', planId);
type H = ReturnType<typeof harness>;

const job = (h: H, plan = planId): ProvisionJob => ({ planId: plan, payload: jobPayload(RUN), acquiredAt: h.clock.now() });

/** Runs one job whose pod meets `disrupt` 20 s into its run; GitHub concludes the run 4 min later. */
async function runDisrupted(disrupt: (h: H, name: string) => void | Promise<void>, options: { jobCancelled?: boolean; group?: Parameters<typeof testGroup>[0]; h?: H } = {}) {
  const h = options.h ?? harness();
  if (!h.github.runs.has(RUN)) h.github.addRun(RUN, 4 * 60_000);
  h.kubelet(1_000, 20_000, (n) => disrupt(h, n));
  const renewal = startRenewLoop({ lease: { planId, jobId: '1', runServiceUrl: 'https://run', jobToken: 't' }, broker: h.broker, kubernetes: h.kube, clock: h.clock, metrics: h.metrics, logger: h.logger, pod: { namespace: 'tenant', name: podName, runnerGroup: 'linux' } });
  const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup(options.group), { renewal, jobCancelled: () => options.jobCancelled ?? false }));
  return { h, result, renewal };
}

const reruns = (h: H): number => h.github.calls.filter((c) => c.op === 'rerun').length;

describe('disrupted jobs are re-run exactly once', () => {
  it.each<[string, (h: H, name: string) => void | Promise<void>, string]>([
    ['kubelet eviction', (h, n) => h.kube.evict(n), 'evicted'],
    ['preemption', (h, n) => h.kube.preempt(n), 'preempted'],
    ['drain', (h, n) => h.kube.drain(n), 'drained'],
    ['kubectl delete', (h, n) => h.kube.deletePod('tenant', n), 'deleted'],
  ])('%s → renewal stopped, "already running" retried every 30 s, one accepted rerun', async (_name, disrupt, cause) => {
    const { h, result } = await runDisrupted(disrupt);
    expect(result).toMatchObject({ kind: 'finished', outcome: { kind: 'disrupted', cause }, rerun: { kind: 'accepted' } });
    expect(h.github.acceptedReruns(RUN)).toBe(1);
    expect(h.metrics.count('eviction_retries_total', { namespace: 'tenant', runner_group: 'linux' })).toBe(1);
    expect(h.metrics.count('eviction_retries_exhausted_total')).toBe(0);
    const calls = h.github.calls.filter((c) => c.op === 'rerun');
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps.every((g) => g === 30_000)).toBe(true);
    expect(calls.length).toBeGreaterThan(1);
    // renewal stopped before the first rerun call, and nothing renews afterwards
    expect(h.broker.renewTimes.length).toBeGreaterThan(0);
    expect(Math.max(...h.broker.renewTimes)).toBeLessThan(calls[0]!.at);
    const renewsBefore = h.broker.renewCalls.length;
    await h.clock.advance(10 * 60_000);
    expect(h.broker.renewCalls.length).toBe(renewsBefore);
    expect(h.kube.secrets.size).toBe(0);
  });

  it('several jobs of one run disrupted by the same drain end in one rerun', async () => {
    const h = harness();
    h.github.addRun(RUN, 2 * 60_000);
    h.kubelet(1_000, 10_000, (n) => h.kube.drain(n));
    const results = await h.clock.runUntil(Promise.all(['p-1', 'p-2', 'p-3'].map((p) => provision(job(h, p), h.ports, testGroup()))));
    expect(results.map((r) => r.kind === 'finished' && r.rerun?.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(h.github.acceptedReruns(RUN)).toBe(1);
    expect(h.metrics.count('eviction_retries_total')).toBe(1);
  });
});

describe('never re-run', () => {
  it('a job that failed on its own merits', async () => {
    const { h, result } = await runDisrupted((hh, n) => hh.kube.setPhase(n, 'Failed', 'Error'));
    expect(result).toMatchObject({ outcome: { kind: 'failed' } });
    expect(reruns(h)).toBe(0);
  });

  it('a cancelled job, even when its pod was evicted while stopping', async () => {
    const { h, result } = await runDisrupted((hh, n) => hh.kube.evict(n), { jobCancelled: true });
    expect(result).toMatchObject({ outcome: { kind: 'cancelled' } });
    expect(reruns(h)).toBe(0);
  });

  it('a pod the reaper deleted (reason stamped first)', async () => {
    const { h, result } = await runDisrupted(async (hh, n) => {
      await stampAndDeletePod(hh.kube, 'tenant', n, 'pending_deadline');
    });
    expect(result).toMatchObject({ outcome: { kind: 'reaped', reason: 'pending_deadline' } });
    expect(reruns(h)).toBe(0);
  });

  it('a job its renew loop abandoned', async () => {
    const h = harness();
    h.broker.renewAnswers = [{ kind: 'renewed' }, { kind: 'gone', statusCode: 404 }];
    const { result } = await runDisrupted(() => undefined, { h });
    expect(result).toMatchObject({ outcome: { kind: 'reaped', reason: 'job_abandoned' } });
    expect(reruns(h)).toBe(0);
  });

  it('a run the AGC saw a user cancel while the re-run waited for GitHub', async () => {
    const h = harness();
    h.github.addRun(RUN, 4 * 60_000, 'cancelled');
    let userCancelled = false;
    let cancelledAt = Infinity;
    h.kubelet(1_000, 20_000, (n) => {
      h.kube.evict(n);
      void h.clock.sleep(2 * 60_000).then(() => {
        userCancelled = true;
        cancelledAt = h.clock.now().getTime();
      });
    });
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup(), { jobCancelled: () => userCancelled }));
    expect(result).toMatchObject({ outcome: { kind: 'disrupted' }, rerun: { kind: 'run_cancelled' } });
    const calls = h.github.calls.filter((c) => c.op === 'rerun');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.at < cancelledAt)).toBe(true);
    expect(cancelledAt).toBeLessThan(Infinity);
    expect(h.github.acceptedReruns(RUN)).toBe(0);
    expect(h.metrics.count('eviction_retries_total')).toBe(0);
  });
});

describe('a run the killed runner concluded `cancelled` (SIGTERM → the runner reports canceled)', () => {
  it('is re-run once: the AGC saw no user cancellation', async () => {
    const h = harness();
    h.github.addRun(RUN, 30_000, 'cancelled');
    const { result } = await runDisrupted((hh, n) => hh.kube.preempt(n), { h });
    expect(result).toMatchObject({ outcome: { kind: 'disrupted', cause: 'preempted' }, rerun: { kind: 'accepted' } });
    expect(h.github.acceptedReruns(RUN)).toBe(1);
    expect(h.metrics.count('eviction_retries_total', { namespace: 'tenant', runner_group: 'linux' })).toBe(1);
  });

  it('a rerunner called directly needs no predicate: a cancelled conclusion alone never stops it', async () => {
    const h = harness();
    h.github.addRun(RUN);
    h.github.conclude(RUN, 'cancelled');
    const rerunner = new DisruptionRerunner({ github: h.github, clock: h.clock, budget: new InMemoryRerunBudgetStore(), metrics: h.metrics, logger: h.logger });
    const r = await h.clock.runUntil(rerunner.rerun({ run: { owner: 'octo', repo: 'widgets', runId: RUN }, group: { namespace: 'tenant', name: 'linux' }, maxEvictionRetries: 1, evictionRetryDelayMs: 0 }, new AbortController().signal));
    expect(r).toEqual({ kind: 'accepted', attempts: 1 });
  });

  it('the predicate is asked before the first call: a user cancellation seen first means no call at all', async () => {
    const h = harness();
    h.github.addRun(RUN);
    h.github.conclude(RUN, 'cancelled');
    const rerunner = new DisruptionRerunner({ github: h.github, clock: h.clock, budget: new InMemoryRerunBudgetStore(), metrics: h.metrics, logger: h.logger });
    const r = await h.clock.runUntil(
      rerunner.rerun({ run: { owner: 'octo', repo: 'widgets', runId: RUN }, group: { namespace: 'tenant', name: 'linux' }, maxEvictionRetries: 1, evictionRetryDelayMs: 0, cancelledByUser: () => true }, new AbortController().signal),
    );
    expect(r).toEqual({ kind: 'run_cancelled' });
    expect(h.github.calls).toEqual([]);
    expect(h.metrics.count('eviction_retries_exhausted_total')).toBe(0);
  });
});

describe('the per-run budget', () => {
  it('stops a loop: maxEvictionRetries reruns per run, then exhausted', async () => {
    const h = harness();
    const group = { maxEvictionRetries: 2 };
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      h.github.addRun(RUN, 60_000);
      const plan = `plan-${i}`;
      h.kubelet(1_000, 5_000, (n) => h.kube.evict(n));
      const r = await h.clock.runUntil(provision({ planId: plan, payload: jobPayload(RUN), acquiredAt: h.clock.now() }, h.ports, testGroup(group)));
      outcomes.push(r.kind === 'finished' ? (r.rerun?.kind ?? 'none') : r.kind);
    }
    expect(outcomes).toEqual(['accepted', 'accepted', 'budget_exhausted', 'budget_exhausted']);
    expect(h.metrics.count('eviction_retries_total')).toBe(2);
    expect(h.metrics.count('eviction_retries_exhausted_total', { namespace: 'tenant', runner_group: 'linux' })).toBe(2);
    expect(await h.budget.used(RUN)).toBe(2);
  });

  it('maxEvictionRetries 0 disables reruns', async () => {
    const { h, result } = await runDisrupted((hh, n) => hh.kube.evict(n), { group: { maxEvictionRetries: 0 } });
    expect(result).toMatchObject({ rerun: { kind: 'budget_exhausted' } });
    expect(reruns(h)).toBe(0);
  });

  it('gives up after the 15 minute window when GitHub keeps refusing', async () => {
    const h = harness();
    h.github.addRun(RUN); // never concludes
    const rerunner = new DisruptionRerunner({ github: h.github, clock: h.clock, budget: new InMemoryRerunBudgetStore(), metrics: h.metrics, logger: h.logger });
    const start = h.clock.now().getTime();
    const r = await h.clock.runUntil(
      rerunner.rerun({ run: { owner: 'octo', repo: 'widgets', runId: RUN }, group: { namespace: 'tenant', name: 'linux' }, maxEvictionRetries: 2, evictionRetryDelayMs: 5_000 }, new AbortController().signal),
    );
    expect(r.kind).toBe('window_expired');
    expect(h.clock.now().getTime() - start).toBeLessThanOrEqual(15 * 60_000);
    expect(h.clock.now().getTime() - start).toBeGreaterThan(14 * 60_000);
    expect(h.metrics.count('eviction_retries_exhausted_total')).toBe(1);
  });
});
