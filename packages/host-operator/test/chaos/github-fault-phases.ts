// The GitHub fault scenarios' machinery, shared by the classic tier's (agc-github-faults) and the scale-set
// tier's (scaleset-github-faults) chaos tests: queue jobs while faults are on, clear them, wait for every job
// and print one figures line per phase (load held, faults injected, jobs lost, jobs duplicated, time to
// recover), asserting 0 lost and 0 duplicated.
import { expect } from 'vitest';
import type { JobView, RecordedRequest } from '@actions-gateway/testkit';
import { eventually } from '../agc/host/agc-env.js';
import type { Scenario } from '../agc/scenarios/scenario-env.js';

/** What a bench of phases runs against. */
export interface FaultBench {
  /** The running scenario (read when a phase runs: it is made in `beforeAll`). */
  readonly scenario: () => Scenario;
  /** The RunnerGroup the jobs are queued for (its name is their label). */
  readonly group: string;
  /** The figures line's prefix: `chaos <label> <phase>:`. */
  readonly label: string;
  /** The poll path whose faulted calls are paired with the same session's next poll. */
  readonly pollPath: string;
  /** The session a recorded poll belongs to. */
  readonly sessionOf: (r: RecordedRequest) => string | undefined;
  /** The job a worker pod's plan id was made for (a job with pods under two keys ran twice). */
  readonly jobKeyOfPod: (planId: string) => string;
  readonly jobKey: (j: JobView) => string;
  /** Figures lines, printed by the caller after the run. */
  readonly figures: string[];
}

/** A phase's options: the faults it turns on, the jobs it queues, how long the faults last and the bound to settle. */
export interface PhaseOptions {
  readonly jobs: () => JobView[];
  readonly faults: () => string[];
  readonly faultMs: number;
  readonly boundMs: number;
  readonly expected?: (j: JobView) => boolean;
  /** Runs after the jobs are queued, inside the fault window (which it may outlast). */
  readonly during?: (jobs: JobView[]) => Promise<void>;
}

export interface PhaseResult {
  readonly jobs: JobView[];
  readonly faultIds: string[];
  readonly recoveredMs: number;
  readonly stoppedAt: number;
}

/** Ran once and succeeded. */
export const succeeded = (j: JobView): boolean => j.state === 'completed' && j.conclusion === 'succeeded' && j.timesAcquired === 1;

/** The phases of one bench. */
export function faultPhases(bench: FaultBench) {
  const control = () => bench.scenario().env.github.control;
  const enqueue = (n: number, extra: { durationMs?: number; fanout?: number } = {}): JobView[] =>
    Array.from({ length: n }, () => control().enqueueJob({ repo: 'acme/app', labels: ['self-hosted', bench.group], durationMs: 20, ...extra }));
  const view = (j: JobView): JobView => control().job(j.requestId)!;
  const faultHits = (id: string): RecordedRequest[] => control().requests().filter((r) => r.fault === id);

  /** Worker pods per job, over every worker pod of the group. */
  async function podsPerJob(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const p of await bench.scenario().pods(bench.group)) {
      const key = bench.jobKeyOfPod(p.planId);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Waits until every job is terminal and returns the figures: lost = not concluded as expected, duplicated =
   * acquired more than once or run by more than one pod.
   */
  async function settle(jobs: JobView[], expected: (j: JobView) => boolean, boundMs: number): Promise<{ lost: JobView[]; duplicated: JobView[] }> {
    await eventually(() => jobs.every((j) => expected(view(j))), `${jobs.length} jobs concluded`, boundMs).catch(() => undefined);
    const pods = await podsPerJob();
    const views = jobs.map(view);
    return {
      lost: views.filter((j) => !expected(j)),
      duplicated: views.filter((j) => j.timesAcquired > 1 || (pods.get(bench.jobKey(j)) ?? 0) > 1),
    };
  }

  /** Runs a phase: faults on, jobs queued, faults off; then waits for every job and records one figures line. */
  async function phase(name: string, options: PhaseOptions): Promise<PhaseResult> {
    const faultIds = options.faults();
    const jobs = options.jobs();
    const until = Date.now() + options.faultMs;
    await options.during?.(jobs);
    const left = until - Date.now();
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    for (const id of faultIds) control().clearFaults(id);
    const stoppedAt = Date.now();
    const expected = options.expected ?? succeeded;
    const { lost, duplicated } = await settle(jobs, expected, options.boundMs);
    const recoveredMs = Date.now() - stoppedAt;
    const injected = faultIds.reduce((n, id) => n + faultHits(id).length, 0);
    bench.figures.push(`chaos ${bench.label} ${name}: jobs=${jobs.length} faults_injected=${injected} lost=${lost.length} duplicated=${duplicated.length} recovered_in=${(recoveredMs / 1000).toFixed(1)}s`);
    expect(lost.map((j) => JSON.stringify(j)), `${name}: lost jobs`).toEqual([]);
    expect(duplicated.map((j) => JSON.stringify(j)), `${name}: duplicated jobs`).toEqual([]);
    return { jobs, faultIds, recoveredMs, stoppedAt };
  }

  /**
   * Each faulted call on `path` paired with the next call of the same session there, where one followed. A
   * call the client abandoned first (a poll it cut short when capacity changed) is left out: its answer never
   * reached the client.
   */
  function followedFaultHits(faultId: string, path = bench.pollPath): { hit: RecordedRequest; next: RecordedRequest }[] {
    const all = control().requests().filter((r) => r.path === path);
    return all
      .filter((r) => r.fault === faultId && r.abandoned !== true)
      .flatMap((hit) => {
        const session = bench.sessionOf(hit);
        const next = all.find((r) => r.at > hit.at && bench.sessionOf(r) === session && r !== hit);
        return next ? [{ hit, next }] : [];
      });
  }

  /** Every call after a 429 of the same session starts no earlier than the Retry-After it was given; the pairs checked. */
  function assertRetryAfterHonoured(faultId: string, retryAfterMs: number, path = bench.pollPath): number {
    const pairs = followedFaultHits(faultId, path);
    for (const { hit, next } of pairs) {
      expect(next.at - hit.at, `${path} of session ${bench.sessionOf(hit)} ${next.at - hit.at} ms after a 429 with Retry-After ${retryAfterMs} ms`).toBeGreaterThanOrEqual(retryAfterMs);
    }
    return pairs.length;
  }

  /**
   * Holds a storm until some session has called again after a 429 (a timed window alone can pass, on a loaded
   * box, without any call starting inside it, and then there is nothing to check).
   */
  const untilACallFollowsA429 = (faultId: () => string, path = bench.pollPath) => () =>
    eventually(() => followedFaultHits(faultId(), path).length > 0, `a session to call ${path} again after a 429`, 60_000).then(() => undefined);

  return { enqueue, view, faultHits, podsPerJob, settle, phase, followedFaultHits, assertRetryAfterHonoured, untilACallFollowsA429 };
}
