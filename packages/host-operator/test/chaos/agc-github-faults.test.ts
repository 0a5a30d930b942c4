// Chaos: an in-process agc (classic tier) against the fake GitHub while GitHub misbehaves: black-holed polls,
// 429 storms with and without Retry-After, the installation-token endpoint down, 5xx bursts, fan-out
// deliveries and cancelled runs. Each fault runs while jobs are queued; after it stops every job must run
// exactly once (or end cancelled, for cancelled runs). Each phase prints one figures line.
// `AG_CHAOS=full` (pnpm test:chaos) runs the long form with production poll timeouts; `pnpm test` the reduced
// one, without the phases whose floor is long (the 5 s no-Retry-After fallback) or covered elsewhere (fan-out:
// the must-show throughput scenario).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '@actions-gateway/testkit';
import { eventually } from '../agc/host/agc-env.js';
import { startScenario, type Scenario } from '../agc/scenarios/scenario-env.js';
import { faultPhases } from './github-fault-phases.js';

const full = process.env['AG_CHAOS'] === 'full';
/** Seconds the token endpoint stays down in the full form (the 10 minutes; shorter runs via env). */
const tokenOutageMs = Number(process.env['AG_CHAOS_TOKEN_OUTAGE_S'] ?? 600) * 1000;
const plan = full
  ? { jobsPerPhase: 20, blackholeMs: 90_000, stormMs: 30_000, tokenOutageMs, burst: 20, pollHeadersTimeoutMs: undefined }
  : { jobsPerPhase: 2, blackholeMs: 1_500, stormMs: 1_000, tokenOutageMs: 2_000, burst: 1, pollHeadersTimeoutMs: 1_500 };
/** The bound on recovery once black-holed polls stop. */
const BLACKHOLE_RECOVERY_BOUND_MS = 60_000;
const POLL = '/_broker/message';
const GROUP = 'chaos';

let s: Scenario;
const figures: string[] = [];

beforeAll(async () => {
  s = await startScenario({
    fakeTimings: { lockTtlMs: 600_000, deliveryWindowMs: 5_000 },
    timings: { ...(plan.pollHeadersTimeoutMs !== undefined && { pollHeadersTimeoutMs: plan.pollHeadersTimeoutMs }) },
  });
  await s.group(GROUP, { maxListeners: 3, completedPodTTL: '1h' });
}, 60_000);
afterAll(async () => {
  await s?.close();
  for (const f of figures) console.log(f);
});

const { enqueue, faultHits, podsPerJob, phase, assertRetryAfterHonoured, untilACallFollowsA429 } = faultPhases({
  scenario: () => s,
  group: GROUP,
  label: 'agc/github',
  pollPath: POLL,
  sessionOf: (r) => r.query['sessionId'],
  jobKeyOfPod: (planId) => planId,
  jobKey: (j) => j.planId,
  figures,
});

describe(`chaos: agc under GitHub faults (${full ? 'full' : 'reduced'})`, () => {
  it('recovers from black-holed polls within 60 s of them stopping, losing and doubling nothing', async () => {
    const r = await phase('blackhole', {
      faults: () => [s.env.github.control.inject({ method: 'GET', path: POLL, always: true, action: { blackhole: 'before-headers' } }).id],
      jobs: () => enqueue(plan.jobsPerPhase),
      faultMs: plan.blackholeMs,
      boundMs: BLACKHOLE_RECOVERY_BOUND_MS + 30_000,
    });
    expect(faultHits(r.faultIds[0]!).length).toBeGreaterThan(0);
    expect(r.recoveredMs).toBeLessThanOrEqual(BLACKHOLE_RECOVERY_BOUND_MS);
  }, BLACKHOLE_RECOVERY_BOUND_MS + plan.blackholeMs + 60_000);

  it('makes no poll before Retry-After expires during a 429 storm, and recovers', async () => {
    const retryAfterS = 1;
    let faultId = '';
    const r = await phase('429-retry-after', {
      faults: () => [(faultId = s.env.github.control.inject({ method: 'GET', path: POLL, always: true, action: { status: 429, shape: 'broker', retryAfter: { seconds: retryAfterS } } }).id)],
      jobs: () => enqueue(plan.jobsPerPhase),
      during: untilACallFollowsA429(() => faultId),
      faultMs: plan.stormMs,
      boundMs: 60_000,
    });
    // Held long-polls can claim the jobs before the storm reaches them: wait for a 429'd session's next poll
    // (at least one), then every such pair is checked (a poll before Retry-After fails and stays failing).
    await eventually(() => assertRetryAfterHonoured(r.faultIds[0]!, retryAfterS * 1000) > 0, 'a session polling again after its 429', 30_000);
    expect(assertRetryAfterHonoured(r.faultIds[0]!, retryAfterS * 1000)).toBeGreaterThan(0);
  }, 120_000);

  it.runIf(full)('backs off without Retry-After (no poll within the 5 s fallback) and recovers', async () => {
    let faultId = '';
    const r = await phase('429-no-retry-after', {
      faults: () => [(faultId = s.env.github.control.inject({ method: 'GET', path: POLL, always: true, action: { status: 429, shape: 'broker' } }).id)],
      jobs: () => enqueue(plan.jobsPerPhase),
      during: untilACallFollowsA429(() => faultId),
      faultMs: plan.stormMs,
      boundMs: 360_000,
    });
    // broker-client's fallback without Retry-After starts at 5 s and doubles (pacing.ts, rateLimitFallbackMs).
    expect(assertRetryAfterHonoured(r.faultIds[0]!, 5_000)).toBeGreaterThan(0);
  }, 420_000);

  it.runIf(full)('rides out the installation-token endpoint being down, then runs every queued job', async () => {
    const tokenPath = '/app/installations/*/access_tokens';
    const r = await phase('token-endpoint-down', {
      faults: () => {
        const id = s.env.github.control.inject({ method: 'POST', path: tokenPath, always: true, action: { status: 503, shape: 'rest' } }).id;
        // Full form: the cached token dies at GitHub too, so the agc must come back for a new one during the
        // outage (its re-mint after a 401 waits out the 30 s floor since the last mint, then meets the 503s).
        // Reduced form: the cached token stays good, and work must go on untouched by the outage.
        if (full) s.env.github.control.expireToken('installation-token', s.env.app.appId);
        return [id];
      },
      jobs: () => enqueue(plan.jobsPerPhase),
      faultMs: plan.tokenOutageMs,
      boundMs: 180_000,
    });
    // The token manager's back-off (5 s doubling to 60 s) holds for every caller that meets a 401: a few
    // dozen fetches over ten minutes, not one per refused call (4,883 before the fix).
    expect(faultHits(r.faultIds[0]!).length).toBeLessThanOrEqual(plan.tokenOutageMs / 30_000 + 10);
  }, plan.tokenOutageMs + 240_000);

  it('rides out 5xx bursts on polls, acquire and JIT config, running each job once', async () => {
    const r = await phase('5xx-bursts', {
      faults: () => [
        s.env.github.control.inject({ method: 'GET', path: POLL, times: plan.burst, action: { status: 503, shape: 'text' } }).id,
        s.env.github.control.inject({ method: 'POST', path: '/_run/*/acquirejob', times: plan.burst, action: { status: 500, shape: 'run-service' } }).id,
        s.env.github.control.inject({ method: 'POST', path: '/orgs/*/actions/runners/generate-jitconfig', times: plan.burst, action: { status: 502, shape: 'rest' } }).id,
      ],
      jobs: () => enqueue(plan.jobsPerPhase),
      faultMs: plan.stormMs,
      boundMs: 120_000,
    });
    expect(r.faultIds.map((id) => faultHits(id).length).reduce((a, b) => a + b)).toBeGreaterThan(0);
  }, 180_000);

  it.runIf(full)('runs fan-out deliveries (one job offered to every session) exactly once', async () => {
    await phase('fan-out', {
      faults: () => [],
      jobs: () => enqueue(plan.jobsPerPhase, { fanout: 3 }),
      faultMs: 0,
      boundMs: 120_000,
    });
  }, 180_000);

  it('starts no worker for a run cancelled while its job was being claimed', async () => {
    const cancelled = (j: JobView): boolean => j.state === 'cancelled' && j.conclusion === 'canceled' && j.timesAcquired === 0;
    const r = await phase('cancelled-runs', {
      // Every acquire is held a while, and the run is cancelled while its acquire is in flight.
      faults: () => [s.env.github.control.inject({ method: 'POST', path: '/_run/*/acquirejob', always: true, action: { latencyMs: 1_000 } }).id],
      jobs: () => enqueue(plan.jobsPerPhase),
      faultMs: 0,
      boundMs: 60_000,
      expected: cancelled,
      during: async (jobs) => {
        for (const j of jobs) {
          await eventually(() => s.env.github.control.requests().some((q) => q.path === `/_run/${j.requestId}/acquirejob`), `an acquire of job ${j.requestId}`, 30_000);
          s.env.github.control.cancelRun(j.runId);
        }
      },
    });
    const pods = await podsPerJob();
    expect(r.jobs.filter((j) => pods.has(j.planId)).map((j) => j.planId), 'worker pods of cancelled jobs').toEqual([]);
  }, 120_000);
});
