// The classic tier's must-show scenarios (issue 7) on the scale-set tier, in one assignment mode: the same
// in-process agc, API server, fake GitHub and kubelet stand-in runner as test/agc/scenarios (its
// `startScenario` is reused, with the scale-set tier in place of the classic one). Registered by the
// reduced suite (test/agc/scaleset/scenarios.test.ts) and the full one (test/chaos/scaleset-scenarios.test.ts).
import { standInContainer, type InProcessContainer, type InProcessSelector, type JobView } from '@actions-gateway/testkit';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createScaleSetListenerTier, type ScaleSetTierOptions } from '../../../src/agc/scaleset/factory.js';
import { createConfigMapStateStore } from '../../../src/agc/scaleset/state-store.js';
import { eventually } from '../host/agc-env.js';
import { startScenario, type Scenario } from '../scenarios/scenario-env.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FakeTimings, KubeletOptions } from '@actions-gateway/testkit';

const NS = 'team-a';
const quiet = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Which scenarios to register, and at what size. */
export interface ScenarioPlan {
  readonly mode: 'auto' | 'acquire';
  /** Jobs of the throughput scenario (the figure is 50). */
  readonly jobs: number;
  readonly throughput: boolean;
  /** maxWorkers holds jobs at GitHub. */
  readonly ceiling: boolean;
  /** Priority tiers hold jobs at GitHub. */
  readonly tiers: boolean;
  readonly disruptions: boolean;
  /** Failed on its merits, cancelled: never re-run. */
  readonly merits: boolean;
  /** Reaped at the pending deadline: never re-run. */
  readonly reaped: boolean;
  readonly budget: boolean;
}

/**
 * A worker on a node that dies with its pod: its runner takes the job and renews it, and when the pod is
 * disrupted it vanishes (its network is cut before it could report), so the job lapses at GitHub and its run
 * concludes failed, as after a node loss. (A runner that reports `cancelled` on SIGTERM is the other case:
 * core's re-run decision about cancelled runs is not this tier's.)
 */
function dyingWorker(): InProcessContainer {
  return async (ctx) => {
    const agent = new Agent();
    const inner = new AbortController();
    ctx.signal.addEventListener('abort', () => void agent.destroy().catch(() => undefined).finally(() => inner.abort(ctx.signal.reason)), { once: true });
    return standInContainer({ dispatcher: agent, run: { completeAttempts: 1, completeRetryDelayMs: 10, renewIntervalMs: 1_000 } })({ ...ctx, signal: inner.signal });
  };
}

const groupOf = (pod: { metadata?: unknown }): string => String((pod.metadata as { labels?: Record<string, string> } | undefined)?.labels?.['actions-gateway/runner-group']);

/** The stand-in everywhere, except that pods of `dying` groups run {@link dyingWorker}. */
function workers(dying: RegExp): KubeletOptions {
  const normal = standInContainer({ run: { completeRetryDelayMs: 50 } });
  const dies = dyingWorker();
  const select: InProcessSelector = (pod) => (dying.test(groupOf(pod)) ? dies : normal);
  return { startDelayMs: 0, inProcess: select };
}

/** Starts the agc with only the scale-set tier, in `mode` (`tier` overrides its test settings). */
export async function startScaleSetScenario(mode: ScenarioPlan['mode'], options: { kubelet?: KubeletOptions; fakeTimings?: Partial<FakeTimings>; tier?: Partial<ScaleSetTierOptions> } = {}): Promise<Scenario> {
  const cluster: { kubeConfig?: KubeConfig } = {};
  const tier = createScaleSetListenerTier({
    // The API server starts inside startScenario; the state store is made per group, after it.
    stateStore: (context) => createConfigMapStateStore({ kubeConfig: cluster.kubeConfig!, namespace: context.group.provisioner.namespace, group: { name: context.group.provisioner.name, uid: context.group.provisioner.uid }, logger: context.logger }),
    conflictRetryMs: 100,
    errorBackoffMs: 50,
    startGraceMs: 500,
    runnerSweepMs: 2_000,
    ...options.tier,
  });
  const scenario = await startScenario({ host: { tiers: { ScaleSet: tier } }, ...(options.kubelet && { kubelet: options.kubelet }), ...(options.fakeTimings && { fakeTimings: options.fakeTimings }) });
  cluster.kubeConfig = scenario.env.server.kubeConfig;
  scenario.env.github.control.setScaleSetMode(mode);
  return scenario;
}

/** Registers the scenarios of `plan` (one describe block). */
export function scaleSetScenarios(plan: ScenarioPlan): void {
  const { mode } = plan;
  describe(`scale-set tier, ${mode} mode`, () => {
    let s: Scenario | undefined;
    afterEach(async (ctx) => {
      if (ctx.task.result?.state === 'fail' && process.env['SCALESET_DEBUG'] && s) {
        for (const line of s.env.logs) if (!line.includes('"level":"debug"')) console.log(line.slice(0, 400));
        console.log(JSON.stringify(s.env.github.control.jobs().map((j) => [j.requestId, j.runId, j.state, j.conclusion, j.scaleSetState, j.timesAcquired])));
        console.log(JSON.stringify(await s.pods()));
      }
      await s?.close();
      s = undefined;
    });
    const group = (scenario: Scenario, name: string, spec: Record<string, unknown> = {}): Promise<void> => scenario.group(name, { acquisitionProtocol: 'ScaleSet', ...spec });
    const jobOf = (scenario: Scenario, requestId: number): JobView => scenario.env.github.control.job(requestId)!;
    const reruns = (scenario: Scenario, runId: number) => scenario.env.github.control.requests().filter((r) => r.path === `/repos/acme/app/actions/runs/${runId}/rerun-failed-jobs`);
    const acceptedReruns = (scenario: Scenario, runId: number): number => reruns(scenario, runId).filter((r) => r.status === 201).length;
    const active = async (scenario: Scenario, name: string): Promise<number> => (await scenario.pods(name)).filter((p) => p.phase === 'Pending' || p.phase === 'Running').length;

    it.runIf(plan.throughput)(`runs ${plan.jobs} jobs as ${plan.jobs} pods and ${plan.jobs} conclusions, none twice`, async () => {
      s = await startScaleSetScenario(mode, { fakeTimings: { lockTtlMs: 120_000 } });
      const scenario = s;
      await Promise.all([group(scenario, 'alpha', { completedPodTTL: '1h' }), group(scenario, 'beta', { completedPodTTL: '1h' })]);
      const jobs = Array.from({ length: plan.jobs }, (_, i) => scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', i % 2 === 0 ? 'alpha' : 'beta'], durationMs: 20 }));
      const done = await eventually(() => {
        const views = scenario.env.github.control.jobs();
        return views.filter((j) => j.state === 'completed').length === plan.jobs && views;
      }, `${plan.jobs} completed jobs`, 240_000);
      for (const j of jobs) {
        const view = done.find((v) => v.requestId === j.requestId)!;
        expect({ conclusion: view.conclusion, timesAcquired: view.timesAcquired }, JSON.stringify(view)).toEqual({ conclusion: 'succeeded', timesAcquired: 1 });
      }
      // One pod per job (a pod's plan id is its job's GUID), each ended Succeeded.
      const pods = await eventually(async () => {
        const list = await scenario.pods();
        return list.length === plan.jobs && list.every((p) => p.phase === 'Succeeded') && list;
      }, 'every pod ended', 30_000);
      expect(new Set(pods.map((p) => p.planId))).toEqual(new Set(done.map((j) => j.jobId)));
      const text = await scenario.metrics();
      expect(text).toContain(`actions_gateway_jobs_acquired_total{namespace="${NS}",runner_group="alpha"} ${Math.ceil(plan.jobs / 2)}`);
      expect(text).toContain(`actions_gateway_jobs_acquired_total{namespace="${NS}",runner_group="beta"} ${Math.floor(plan.jobs / 2)}`);
      expect(text).toContain(`actions_gateway_active_sessions{namespace="${NS}",runner_group="alpha"} 1`);
    }, 300_000);

    it.runIf(plan.ceiling)('holds jobs beyond maxWorkers at GitHub (never assigned) and runs them once a pod ends', async () => {
      s = await startScaleSetScenario(mode);
      const scenario = s;
      await group(scenario, 'ceil', { maxWorkers: 1, completedPodTTL: '0s' });
      const jobs = Array.from({ length: 3 }, () => scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'ceil'], durationMs: 1_500 }));
      let peak = 0;
      let heldAtGitHub = 0;
      await eventually(async () => {
        const running = await active(scenario, 'ceil');
        peak = Math.max(peak, running);
        heldAtGitHub = jobs.map((j) => jobOf(scenario, j.requestId)).filter((j) => j.state === 'queued' && j.timesAcquired === 0 && j.scaleSetState !== 'assigned').length;
        return running === 1 && heldAtGitHub === 2;
      }, 'one pod running, two jobs held at GitHub');
      await eventually(async () => {
        peak = Math.max(peak, await active(scenario, 'ceil'));
        return jobs.every((j) => jobOf(scenario, j.requestId).state === 'completed');
      }, 'all three completed', 60_000);
      expect(peak).toBe(1);
      expect(jobs.map((j) => jobOf(scenario, j.requestId).timesAcquired)).toEqual([1, 1, 1]);
    }, 90_000);

    it.runIf(plan.tiers)('holds jobs beyond the last priority tier at GitHub and runs them once a tier has room', async () => {
      s = await startScaleSetScenario(mode);
      const scenario = s;
      const priorityTiers = [
        { priorityClassName: 'ci-high', threshold: 1 },
        { priorityClassName: 'ci-low', threshold: 2 },
      ];
      await group(scenario, 'tiered', { completedPodTTL: '0s', priorityTiers });
      const jobs = Array.from({ length: 4 }, () => scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'tiered'], durationMs: 1_500 }));
      let peak = 0;
      await eventually(async () => {
        peak = Math.max(peak, await active(scenario, 'tiered'));
        const held = jobs.map((j) => jobOf(scenario, j.requestId)).filter((j) => j.state === 'queued' && j.timesAcquired === 0 && j.scaleSetState !== 'assigned').length;
        return peak === 2 && held === 2;
      }, 'two pods running, two jobs held at GitHub');
      await eventually(async () => {
        peak = Math.max(peak, await active(scenario, 'tiered'));
        return jobs.every((j) => jobOf(scenario, j.requestId).state === 'completed');
      }, 'all four completed', 60_000);
      expect(peak).toBe(2);
      expect(jobs.map((j) => jobOf(scenario, j.requestId).timesAcquired)).toEqual([1, 1, 1, 1]);
    }, 90_000);

    it.runIf(plan.disruptions)('re-runs exactly once after an eviction, a preemption and an Eviction API drain', async () => {
      s = await startScaleSetScenario(mode, { kubelet: workers(/^disrupt$/), fakeTimings: { lockTtlMs: 3_000 } });
      const scenario = s;
      await group(scenario, 'disrupt', { evictionRetryDelay: '1s', completedPodTTL: '1h' });
      const jobs = Array.from({ length: 3 }, () => scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'disrupt'], durationMs: 600_000 }));
      // Each runner has taken a job (JobStarted): which pod holds which job is GitHub's choice.
      await eventually(() => jobs.every((j) => jobOf(scenario, j.requestId).timesAcquired === 1), 'three jobs taken', 30_000);
      const pods = await eventually(async () => {
        const list = (await scenario.pods('disrupt')).filter((p) => p.phase === 'Running');
        return list.length === 3 && list;
      }, 'three running pods', 30_000);
      const kubelet = scenario.env.server.kubelet!;
      kubelet.evict(NS, pods[0]!.name);
      await kubelet.preempt(NS, pods[1]!.name);
      await scenario.env.core.createNamespacedPodEviction({ namespace: NS, name: pods[2]!.name, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pods[2]!.name, namespace: NS } } });
      await eventually(async () => (await scenario.metrics()).includes(`actions_gateway_eviction_retries_total{namespace="${NS}",runner_group="disrupt"} 3`), 'three accepted re-runs', 90_000);
      for (const j of jobs) {
        expect(acceptedReruns(scenario, j.runId)).toBe(1);
        expect(scenario.env.github.control.runs().find((r) => r.runId === j.runId)?.attempts).toBe(2);
      }
      await quiet(1_000);
      for (const j of jobs) expect(acceptedReruns(scenario, j.runId)).toBe(1);
      expect(await scenario.metrics()).not.toContain(`actions_gateway_eviction_retries_exhausted_total{namespace="${NS}",runner_group="disrupt"}`);
    }, 150_000);

    it.runIf(plan.budget)('stops a disruption loop at maxEvictionRetries', async () => {
      s = await startScaleSetScenario(mode, { kubelet: workers(/^budget$/), fakeTimings: { lockTtlMs: 3_000 } });
      const scenario = s;
      await group(scenario, 'budget', { maxEvictionRetries: 1, evictionRetryDelay: '1s', completedPodTTL: '1h' });
      const job = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'budget'], durationMs: 600_000 });
      const runningPods = async () => (await scenario.pods('budget')).filter((p) => p.phase === 'Running');
      await eventually(() => jobOf(scenario, job.requestId).timesAcquired === 1, 'the job taken', 30_000);
      const first = await eventually(async () => (await runningPods())[0], 'first pod');
      scenario.env.server.kubelet!.evict(NS, first.name);
      const rerunJob = () => scenario.env.github.control.jobs().find((j) => j.runId === job.runId && j.requestId !== job.requestId);
      await eventually(() => rerunJob()?.timesAcquired === 1, 'the re-run job taken by a new runner', 60_000);
      const second = await eventually(async () => (await runningPods()).find((p) => p.name !== first.name), 'the re-run job in a new pod', 60_000);
      scenario.env.server.kubelet!.evict(NS, second.name);
      await eventually(async () => (await scenario.metrics()).includes(`actions_gateway_eviction_retries_exhausted_total{namespace="${NS}",runner_group="budget"} 1`), 'budget exhausted', 90_000);
      expect(acceptedReruns(scenario, job.runId)).toBe(1);
      expect(scenario.env.github.control.runs().find((r) => r.runId === job.runId)?.attempts).toBe(2);
    }, 150_000);

    it.runIf(plan.merits)('never re-runs a job that failed on its own or whose run was cancelled', async () => {
      s = await startScaleSetScenario(mode, { kubelet: workers(/^never$/) });
      const scenario = s;
      await group(scenario, 'merits', { evictionRetryDelay: '1s', completedPodTTL: '1h' });
      const failing = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'merits'], durationMs: 20, conclusion: 'failed' });
      const cancelled = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'merits'], durationMs: 600_000 });
      await eventually(() => jobOf(scenario, failing.requestId).state === 'completed', 'failing job concluded', 30_000);
      expect(jobOf(scenario, failing.requestId).conclusion).toBe('failed');
      await eventually(() => jobOf(scenario, cancelled.requestId).timesAcquired === 1, 'long job taken', 30_000);
      scenario.env.github.control.cancelRun(cancelled.runId);
      // The JIT runner gets the JobCancellation on its own session and reports the job canceled, as the runner
      // does; the queue says JobCompleted canceled; the pod ends. Its run ends cancelled and is never re-run.
      await eventually(() => jobOf(scenario, cancelled.requestId).state === 'cancelled', 'cancelled job ended at GitHub', 30_000);
      expect(jobOf(scenario, cancelled.requestId).conclusion).toBe('canceled');
      await eventually(async () => (await scenario.pods('merits')).every((p) => p.phase === 'Succeeded' || p.phase === 'Failed'), 'both pods ended', 30_000);
      await quiet(2_000);
      expect(reruns(scenario, failing.runId)).toEqual([]);
      expect(reruns(scenario, cancelled.runId)).toEqual([]);
      expect(scenario.env.github.control.runs().find((r) => r.runId === cancelled.runId)).toMatchObject({ status: 'completed', conclusion: 'cancelled', attempts: 1 });
      expect(await scenario.metrics()).not.toMatch(/actions_gateway_eviction_retries(_exhausted)?_total\{namespace="team-a",runner_group="merits"\}/);
    }, 90_000);

    it.runIf(plan.reaped)('never re-runs the job of a pod reaped at its pending deadline', async () => {
      s = await startScaleSetScenario(mode, { kubelet: { startDelayMs: 3_600_000 } });
      const scenario = s;
      await group(scenario, 'stuck', { pendingPodDeadline: '1s', evictionRetryDelay: '1s' });
      const job = scenario.env.github.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', 'stuck'], durationMs: 20 });
      await eventually(async () => (await scenario.metrics()).includes(`actions_gateway_worker_pods_reaped_total{namespace="${NS}",runner_group="stuck",reason="pending_deadline"} 1`), 'stuck pod reaped', 30_000);
      await quiet(2_000);
      expect(reruns(scenario, job.runId)).toEqual([]);
      expect(jobOf(scenario, job.requestId).timesAcquired).toBe(0);
    }, 60_000);
  });
}
