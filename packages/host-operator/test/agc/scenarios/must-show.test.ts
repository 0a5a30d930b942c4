// The must-show scenarios of issue 7 on an in-process agc (classic tier), the testkit API server and the
// fake GitHub. Worker pods run the testkit stand-in runner in the kubelet's in-process mode (it completes
// each job at GitHub with the job token, and on SIGTERM reports it `canceled` as the real runner does), except
// where a scenario needs a worker that never reports (a disrupted pod whose job must lapse at GitHub, as when
// a node dies). The last test checks that every AGC
// metric of the catalogue moved in at least one scenario of this file.
import { metricCatalogue } from '@actions-gateway/metrics';
import { standInContainers, type JobView } from '@actions-gateway/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../host/agc-env.js';
import { seenSamples, startScenario, type Scenario } from './scenario-env.js';

// Workers reuse modules across files (vitest `isolate: false`): start the recorder empty so the coverage test
// below counts this file's scenarios only, not those of another file that ran before in the same worker.
beforeAll(() => seenSamples.clear());

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const NS = 'team-a';
const jobOf = (scenario: Scenario, requestId: number): JobView => scenario.env.github.control.job(requestId)!;
const reruns = (scenario: Scenario, runId: number) => scenario.env.github.control.requests().filter((r) => r.path === `/repos/acme/app/actions/runs/${runId}/rerun-failed-jobs`);
const acceptedReruns = (scenario: Scenario, runId: number) => reruns(scenario, runId).filter((r) => r.status === 201).length;
const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('throughput', () => {
  for (const fanout of [1, 3]) {
    it(`runs 50 jobs across two groups as 50 pods and 50 conclusions, none twice (fan-out ${fanout})`, async () => {
      // The fast profile's 10 s job lock is shorter than the AGC's 60 s renew interval; a loaded machine can take
      // longer than 10 s from claim to a running worker, so this scenario uses a lock closer to production's.
      s = await startScenario({ fakeTimings: { lockTtlMs: 120_000 } });
      const scenario = s;
      await Promise.all([scenario.group('alpha', { maxListeners: 4, completedPodTTL: '1h' }), scenario.group('beta', { maxListeners: 4, completedPodTTL: '1h' })]);
      const jobs = Array.from({ length: 50 }, (_, i) => scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', i % 2 === 0 ? 'alpha' : 'beta'], durationMs: 20, fanout }));
      const done = await eventually(() => {
        const views = scenario.env.github.control.jobs();
        return views.filter((j) => j.state === 'completed').length === 50 && views;
      }, '50 completed jobs', 150_000);
      for (const j of jobs) {
        const view = done.find((v) => v.requestId === j.requestId)!;
        expect({ conclusion: view.conclusion, timesAcquired: view.timesAcquired }, JSON.stringify(view)).toEqual({ conclusion: 'succeeded', timesAcquired: 1 });
      }
      const pods = await scenario.pods();
      expect(pods).toHaveLength(50);
      expect(new Set(pods.map((p) => p.planId))).toEqual(new Set(jobs.map((j) => j.planId)));
      expect((await scenario.pods('alpha')).length).toBe(25);
      expect(pods.every((p) => p.phase === 'Succeeded')).toBe(true);
      const text = await scenario.metrics();
      expect(text).toContain(`actions_gateway_jobs_acquired_total{namespace="${NS}",runner_group="alpha"} 25`);
      expect(text).toContain(`actions_gateway_jobs_acquired_total{namespace="${NS}",runner_group="beta"} 25`);
      expect(text).toContain(`actions_gateway_pod_creation_latency_seconds_count{namespace="${NS}"} 50`);
      expect(text).toContain(`actions_gateway_job_duration_seconds_count{namespace="${NS}",runner_group="alpha"} 25`);
      expect(text).toMatch(new RegExp(`actions_gateway_agent_recycles_total\\{namespace="${NS}",runner_group="alpha",trigger="post_job"\\} [1-9]`));
      expect(text).toMatch(new RegExp(`actions_gateway_active_sessions\\{namespace="${NS}",runner_group="beta"\\} [1-9]`));
    }, 180_000);
  }
});

describe('room: ceiling and quota leave jobs queued at GitHub until room appears', () => {
  it('holds jobs beyond maxWorkers at GitHub (never claimed) and runs them once a pod ends', async () => {
    s = await startScenario();
    const scenario = s;
    await scenario.group('ceil', { maxWorkers: 1, maxListeners: 3, completedPodTTL: '0s' });
    const jobs = Array.from({ length: 3 }, () => scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'ceil'], durationMs: 1_500 }));
    let peak = 0;
    await eventually(async () => {
      const running = (await scenario.pods('ceil')).filter((p) => p.phase === 'Pending' || p.phase === 'Running').length;
      peak = Math.max(peak, running);
      return running === 1;
    }, 'one pod running');
    expect(jobs.map((j) => jobOf(scenario, j.requestId)).filter((j) => j.state === 'queued' && j.timesAcquired === 0)).toHaveLength(2);
    await eventually(async () => {
      const running = (await scenario.pods('ceil')).filter((p) => p.phase === 'Pending' || p.phase === 'Running').length;
      peak = Math.max(peak, running);
      return jobs.every((j) => jobOf(scenario, j.requestId).state === 'completed');
    }, 'all three completed', 60_000);
    expect(peak).toBe(1);
    expect(jobs.map((j) => jobOf(scenario, j.requestId).timesAcquired)).toEqual([1, 1, 1]);
    // completedPodTTL 0: each finished pod is removed at once, counted as a completed_ttl reap.
    await eventually(async () => (await scenario.metrics()).includes(`actions_gateway_worker_pods_reaped_total{namespace="${NS}",runner_group="ceil",reason="completed_ttl"} 3`), 'three completed_ttl reaps');
  }, 90_000);

  it('holds jobs at GitHub while the namespace is out of pod quota, and runs them when the quota grows', async () => {
    s = await startScenario();
    const scenario = s;
    await scenario.env.core.createNamespacedResourceQuota({ namespace: NS, body: { metadata: { name: 'pods' }, spec: { hard: { pods: '1' } } } });
    await scenario.group('quota', { maxListeners: 3, completedPodTTL: '0s' });
    const first = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'quota'], durationMs: 6_000 });
    await eventually(async () => (await scenario.pods('quota')).some((p) => p.phase === 'Running'), 'first pod running');
    const second = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'quota'], durationMs: 20 });
    await quiet(1_500);
    expect(jobOf(scenario, second.requestId)).toMatchObject({ state: 'queued', timesAcquired: 0 });
    await scenario.env.core.replaceNamespacedResourceQuota({ namespace: NS, name: 'pods', body: { metadata: { name: 'pods' }, spec: { hard: { pods: '5' } } } });
    await eventually(() => jobOf(scenario, second.requestId).state === 'completed', 'second completed after the quota grew', 30_000);
    expect(jobOf(scenario, first.requestId).state).not.toBe('completed'); // it ran beside the first one
    await eventually(() => jobOf(scenario, first.requestId).state === 'completed', 'first completed', 30_000);
    expect([first, second].map((j) => jobOf(scenario, j.requestId).timesAcquired)).toEqual([1, 1]);
  }, 90_000);
});

/** Pods of the `budget` group run a worker that never reports: their jobs lapse at GitHub like a dead node's. */
const silentWorkers = { startDelayMs: 0, inProcess: standInContainers({ match: (pod) => !/^(budget)$/.test(String((pod.metadata as { labels?: Record<string, string> }).labels?.['actions-gateway/runner-group'])), run: { completeRetryDelayMs: 50 } }) };

describe('disruptions', () => {
  // The workers report as a real runner does: SIGTERM (or the kill) cancels the job and the runner completes
  // it `canceled`, so GitHub concludes each run `cancelled`. The AGC saw no user cancellation: each is re-run.
  it('re-runs exactly once after an eviction, a preemption, an Eviction API drain and a delete, though the killed runner reported canceled', async () => {
    s = await startScenario();
    const scenario = s;
    await scenario.group('disrupt', { maxListeners: 4, evictionRetryDelay: '1s', completedPodTTL: '1h' });
    const jobs = Array.from({ length: 4 }, () => scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'disrupt'], durationMs: 600_000 }));
    const pods = await eventually(async () => {
      const list = (await scenario.pods('disrupt')).filter((p) => p.phase === 'Running');
      return list.length === 4 && list;
    }, 'four running pods', 30_000);
    const podOf = (planId: string): string => pods.find((p) => p.planId === planId)!.name;
    const kubelet = scenario.env.server.kubelet!;
    kubelet.evict(NS, podOf(jobs[0]!.planId));
    await kubelet.preempt(NS, podOf(jobs[1]!.planId));
    await scenario.env.core.createNamespacedPodEviction({ namespace: NS, name: podOf(jobs[2]!.planId), body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: podOf(jobs[2]!.planId), namespace: NS } } });
    await scenario.env.core.deleteNamespacedPod({ namespace: NS, name: podOf(jobs[3]!.planId) });
    await eventually(async () => (await scenario.metrics()).includes(`actions_gateway_eviction_retries_total{namespace="${NS}",runner_group="disrupt"} 4`), 'four accepted re-runs', 60_000);
    for (const j of jobs) {
      // The disrupted worker reported its job canceled, as the runner does on SIGTERM (not a user's cancel).
      expect(jobOf(scenario, j.requestId)).toMatchObject({ state: 'completed', conclusion: 'canceled' });
      expect(acceptedReruns(scenario, j.runId)).toBe(1);
      expect(scenario.env.github.control.runs().find((r) => r.runId === j.runId)?.attempts).toBe(2);
    }
    // The re-run jobs come back and are claimed again, once each.
    await eventually(() => jobs.every((j) => scenario.env.github.control.jobs().some((v) => v.runId === j.runId && v.requestId !== j.requestId && v.timesAcquired === 1)), 're-run jobs claimed', 30_000);
    await quiet(1_000);
    for (const j of jobs) expect(acceptedReruns(scenario, j.runId)).toBe(1);
    expect(await scenario.metrics()).not.toContain('actions_gateway_eviction_retries_exhausted_total{namespace="team-a",runner_group="disrupt"}');
  }, 120_000);

  it('stops a disruption loop at maxEvictionRetries', async () => {
    s = await startScenario({ kubelet: silentWorkers });
    const scenario = s;
    await scenario.group('budget', { maxEvictionRetries: 1, evictionRetryDelay: '1s', completedPodTTL: '1h' });
    const job = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'budget'], durationMs: 600_000 });
    const runningPods = async () => (await scenario.pods('budget')).filter((p) => p.phase === 'Running');
    const first = await eventually(async () => (await runningPods())[0], 'first pod');
    scenario.env.server.kubelet!.evict(NS, first.name);
    const second = await eventually(async () => (await runningPods()).find((p) => p.name !== first.name), 'the re-run job in a new pod', 60_000);
    scenario.env.server.kubelet!.evict(NS, second.name);
    await eventually(async () => (await scenario.metrics()).includes(`actions_gateway_eviction_retries_exhausted_total{namespace="${NS}",runner_group="budget"} 1`), 'budget exhausted', 60_000);
    expect(acceptedReruns(scenario, job.runId)).toBe(1);
    expect(scenario.env.github.control.runs().find((r) => r.runId === job.runId)?.attempts).toBe(2);
    expect(await scenario.metrics()).toContain(`actions_gateway_eviction_retries_total{namespace="${NS}",runner_group="budget"} 1`);
  }, 120_000);

  it('never re-runs a job that failed on its own, nor one a user cancelled (JobCancellation stops its pod at once)', async () => {
    s = await startScenario();
    const scenario = s;
    await scenario.group('merits', { maxListeners: 2, evictionRetryDelay: '1s', completedPodTTL: '1h' });
    const failing = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'merits'], durationMs: 20, conclusion: 'failed' });
    const cancelled = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'merits'], durationMs: 600_000 });
    await eventually(() => jobOf(scenario, failing.requestId).state === 'completed', 'failing job concluded', 30_000);
    expect(jobOf(scenario, failing.requestId).conclusion).toBe('failed');
    await eventually(async () => (await scenario.pods('merits')).find((p) => p.planId === cancelled.planId && p.phase === 'Running'), 'long job running');
    scenario.env.github.control.cancelRun(cancelled.runId);
    // The AGC gets the JobCancellation on the job's session, stamps the pod job_cancelled and deletes it; the
    // worker gets SIGTERM and reports the job canceled, as the runner does: the run ends cancelled long
    // before its 10-minute script.
    await eventually(() => jobOf(scenario, cancelled.requestId).state === 'cancelled', 'the cancelled job ended at GitHub', 30_000);
    expect(jobOf(scenario, cancelled.requestId).conclusion).toBe('canceled');
    await eventually(async () => !(await scenario.pods('merits')).some((p) => p.planId === cancelled.planId), 'the cancelled job\'s pod gone', 30_000);
    await quiet(2_500);
    expect(reruns(scenario, failing.runId)).toEqual([]);
    expect(reruns(scenario, cancelled.runId)).toEqual([]);
    expect(scenario.env.github.control.runs().find((r) => r.runId === cancelled.runId)).toMatchObject({ status: 'completed', conclusion: 'cancelled', attempts: 1 });
    expect(await scenario.metrics()).not.toMatch(/actions_gateway_eviction_retries(_exhausted)?_total\{namespace="team-a",runner_group="merits"\}/);
  }, 90_000);

  it('never re-runs the job of a pod reaped at its pending deadline (Warning Event, metric)', async () => {
    s = await startScenario({ kubelet: { startDelayMs: 3_600_000 } });
    const scenario = s;
    await scenario.group('stuck', { pendingPodDeadline: '1s', evictionRetryDelay: '1s' });
    const job = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'stuck'], durationMs: 20 });
    await eventually(async () => (await scenario.metrics()).includes(`actions_gateway_worker_pods_reaped_total{namespace="${NS}",runner_group="stuck",reason="pending_deadline"} 1`), 'stuck pod reaped', 30_000);
    // The listener held the job: the reaper had it completed as cancelled at GitHub (not left to lapse as failed).
    await eventually(() => jobOf(scenario, job.requestId).state === 'completed', 'the stuck job concluded', 10_000);
    expect(jobOf(scenario, job.requestId).conclusion).toBe('canceled');
    await quiet(2_000);
    expect(reruns(scenario, job.runId)).toEqual([]);
    expect(jobOf(scenario, job.requestId).timesAcquired).toBe(1);
  }, 60_000);
});

describe('faults move the error metrics', () => {
  it('counts token, poll, acquire, renew, recycle and reconcile errors, and keeps running', async () => {
    s = await startScenario();
    const scenario = s;
    const control = scenario.env.github.control;
    // A token refresh refused once (after a 401 forces one), a poll rate-limited, an acquire failing, a renew
    // failing, a JIT registration failing; the API server refusing one status write.
    control.inject({ path: '/app/installations/*/access_tokens', action: { status: 500, shape: 'rest' }, times: 1 });
    control.expireToken('installation-token', scenario.env.app.appId);
    control.inject({ path: '**/message', action: { status: 429, shape: 'broker', retryAfter: { seconds: 0 } }, times: 1 });
    control.inject({ path: '**/acquirejob', action: { status: 500, shape: 'run-service' }, times: 1 });
    control.inject({ path: '**/renewjob', action: { status: 500, shape: 'run-service' }, times: 1 });
    scenario.env.server.faults.inject({ verb: 'patch', resource: 'runnergroups/status', error: 500, count: 1 });
    await scenario.group('faults', { maxListeners: 2, completedPodTTL: '0s' });
    // Registered after start-up: the re-registration after the first job (post_job recycle) fails once.
    control.inject({ path: '/orgs/*/actions/runners/generate-jitconfig', action: { status: 500, shape: 'rest' }, times: 1 });
    const jobs = Array.from({ length: 4 }, () => control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'faults'], durationMs: 20 }));
    await eventually(() => jobs.every((j) => jobOf(scenario, j.requestId).state === 'completed'), 'jobs completed despite the faults', 60_000);
    const text = await eventually(async () => {
      const t = await scenario.metrics();
      return /actions_gateway_token_refresh_errors_total\{namespace="team-a"\} [1-9]/.test(t) && t;
    }, 'token refresh error', 30_000);
    expect(text).toMatch(/actions_gateway_message_poll_errors_total\{namespace="team-a",reason="rate_limited"\} [1-9]/);
    expect(text).toMatch(/actions_gateway_job_acquisition_errors_total\{namespace="team-a",reason="other"\} [1-9]/);
    expect(text).toMatch(/actions_gateway_renewjob_errors_total\{namespace="team-a"\} [1-9]/);
    expect(text).toMatch(/actions_gateway_agent_recycle_errors_total\{namespace="team-a",runner_group="faults"\} [1-9]/);
    expect(text).toMatch(/actions_gateway_reconcile_errors_total\{controller="agc",resource="runnergroup"\} [1-9]/);
    expect(jobs.map((j) => jobOf(scenario, j.requestId).conclusion)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  }, 90_000);
});

describe('metric coverage', () => {
  it('saw every AGC metric of the catalogue move in a scenario above', () => {
    const agcMetrics = metricCatalogue.filter((m) => (m.emittedBy as readonly string[]).includes('agc'));
    const sampleName = (metric: string, type: string): string[] => (type === 'histogram' ? [`${metric}_count`] : [metric]);
    const missing = agcMetrics.filter((m) => !sampleName(m.name, m.type).some((n) => [...seenSamples].some((s) => s === n || s.startsWith(`${n}{`))));
    expect(missing.map((m) => m.name)).toEqual([]);
    // And with the labels the catalogue declares.
    for (const m of agcMetrics) {
      const names = sampleName(m.name, m.type);
      const sample = [...seenSamples].find((s) => names.some((n) => s.startsWith(`${n}{`) || s === n))!;
      const labels = [...(sample.match(/([a-z_]+)="/g) ?? [])].map((l) => l.slice(0, -2)).filter((l) => l !== 'le');
      expect([m.name, labels.sort()]).toEqual([m.name, [...m.labelNames].sort()]);
    }
  });
});
