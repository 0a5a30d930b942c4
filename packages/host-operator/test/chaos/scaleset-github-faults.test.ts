// Chaos: an in-process agc (scale-set tier) against the fake GitHub while GitHub misbehaves: black-holed
// polls of the scale set's message queue, 429 storms with and without Retry-After on the queue and on
// acquirejobs, the registration-token endpoint (the admin JWT's source) down while the admin JWT has expired,
// 5xx bursts, and runs cancelled while their jobs are being claimed. Each fault runs while jobs are queued;
// after it stops every job must run exactly once (or end cancelled without a pod). One figures line a phase.
// `AG_CHAOS=full` (pnpm test:chaos) runs the long form in both assignment modes (auto: dotcom; acquire: GHES)
// with production poll timeouts; `pnpm test` the reduced one, in acquire mode (which exercises both the queue
// and acquirejobs), without the phases whose floor is long (the 5 s no-Retry-After fallback, the token
// endpoint's 5 s mint back-off, a queue 5xx's 15–30 s poll back-off).
// Fan-out deliveries are a classic-broker behaviour: a scale set has one session, GitHub offers it each job once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, RecordedRequest } from '@actions-gateway/testkit';
import { jobIdOfPlan } from '../../src/agc/scaleset/job-record.js';
import { eventually } from '../agc/host/agc-env.js';
import type { Scenario } from '../agc/scenarios/scenario-env.js';
import { startScaleSetScenario } from '../agc/scaleset/scenarios.js';
import { faultPhases } from './github-fault-phases.js';

const full = process.env['AG_CHAOS'] === 'full';
/** Seconds the token endpoint stays down in the full form (the 10 minutes; shorter runs via env). */
const tokenOutageMs = Number(process.env['AG_CHAOS_TOKEN_OUTAGE_S'] ?? 600) * 1000;
// `settleMs`: how long a phase's jobs may take once its faults stop. One session runs a scale set's jobs: 20
// at once take about a minute on a loaded box (the must-show throughput scenario: 50 jobs in 137 s).
const plan = full
  ? { jobsPerPhase: 20, blackholeMs: 90_000, stormMs: 30_000, tokenOutageMs, burst: 20, pollHeadersTimeoutMs: undefined, settleMs: 240_000 }
  : { jobsPerPhase: 2, blackholeMs: 1_000, stormMs: 1_000, tokenOutageMs: 0, burst: 1, pollHeadersTimeoutMs: 1_000, settleMs: 60_000 };
const modes: ReadonlyArray<'auto' | 'acquire'> = full ? ['auto', 'acquire'] : ['acquire'];
/** The bound on recovery once black-holed polls stop. */
const BLACKHOLE_RECOVERY_BOUND_MS = 60_000;
const QUEUE = '/_broker/scalesets/message';
const ADMIN = '/_actions/_apis/runtime/runnerscalesets';
const ACQUIRE = `${ADMIN}/*/acquirejobs`;
const REGISTRATION_TOKEN = '/orgs/*/actions/runners/registration-token';
const GROUP = 'chaos';

for (const mode of modes) {
  describe(`chaos: scale-set tier under GitHub faults, ${mode} mode (${full ? 'full' : 'reduced'})`, () => {
    let s: Scenario;
    const figures: string[] = [];
    const acquireMode = mode === 'acquire';

    beforeAll(async () => {
      s = await startScaleSetScenario(mode, {
        fakeTimings: { lockTtlMs: 600_000 },
        tier: { ...(plan.pollHeadersTimeoutMs !== undefined && { poll: { headersTimeoutMs: plan.pollHeadersTimeoutMs } }) },
      });
      await s.group(GROUP, { acquisitionProtocol: 'ScaleSet', completedPodTTL: '1h' });
    }, 60_000);
    afterEach((ctx) => {
      // SCALESET_DEBUG=1: the agc's log and GitHub's view of the jobs when a phase fails.
      if (ctx.task.result?.state !== 'fail' || !process.env['SCALESET_DEBUG']) return;
      for (const line of s.env.logs) if (!line.includes('"level":"debug"')) console.log(line.slice(0, 600));
      console.log(JSON.stringify(control().requests().filter((r) => r.path.includes('runnerscalesets') || r.fault).map((r) => [r.at, r.method, r.path, r.status, r.fault !== undefined])));
    });
    afterAll(async () => {
      for (const f of figures) console.log(f);
      await s?.close();
    }, 120_000);

    const { enqueue, faultHits, podsPerJob, phase, assertRetryAfterHonoured, untilACallFollowsA429 } = faultPhases({
      scenario: () => s,
      group: GROUP,
      label: `scaleset-${mode}/github`,
      pollPath: QUEUE,
      // One group, one scale set, one session at a time: every poll is the same queue's.
      sessionOf: () => 'queue',
      jobKeyOfPod: jobIdOfPlan,
      jobKey: (j) => j.jobId,
      figures,
    });
    const control = () => s.env.github.control;
    /** The path of the acquirejobs call of this scale set (for pairing its calls). */
    const acquirePath = (): string => {
      const id = control().scaleSets()[0]?.id;
      return `${ADMIN}/${id}/acquirejobs`;
    };

    /**
     * Waits until no worker pod of earlier phases is still running: a pod ending cuts the tier's poll short
     * (capacity changed), and a 429 answered in the same instant never reaches the client, which then cannot
     * honour it. A storm starts on a quiet queue so that every 429 checked was one the client read.
     */
    const quiet = (): Promise<unknown> =>
      eventually(async () => (await s.pods(GROUP)).every((p) => p.phase !== 'Running' && p.phase !== 'Pending'), 'the worker pods of earlier phases to end', 120_000);

    it('recovers from black-holed queue polls within 60 s of them stopping, losing and doubling nothing', async () => {
      const r = await phase('blackhole', {
        faults: () => [control().inject({ method: 'GET', path: QUEUE, always: true, action: { blackhole: 'before-headers' } }).id],
        jobs: () => enqueue(plan.jobsPerPhase),
        faultMs: plan.blackholeMs,
        boundMs: plan.settleMs,
      });
      expect(faultHits(r.faultIds[0]!).length).toBeGreaterThan(0);
      // Recovered: the first queue poll after the black hole that GitHub answered. The poll black-holed last
      // is given up at the header deadline (60 s in production), so this is the bound the issue sets; the
      // jobs then run at the tier's pace (settleMs), printed as recovered_in.
      const answered = control().requests().find((q) => q.path === QUEUE && q.at >= r.stoppedAt && q.fault === undefined && q.status > 0);
      expect(answered, 'an answered queue poll after the black hole').toBeDefined();
      const backAfterMs = answered!.at - r.stoppedAt;
      // One figures line a phase: this phase's gets the poll figure beside its own.
      figures.push(`${figures.pop() ?? ''} first_poll_in=${(backAfterMs / 1000).toFixed(1)}s`);
      expect(backAfterMs).toBeLessThanOrEqual(BLACKHOLE_RECOVERY_BOUND_MS);
    }, plan.settleMs + plan.blackholeMs + 60_000);

    it('makes no queue poll before Retry-After expires during a 429 storm, and recovers', async () => {
      await quiet();
      const retryAfterS = 1;
      let faultId = '';
      const r = await phase('queue-429-retry-after', {
        faults: () => [(faultId = control().inject({ method: 'GET', path: QUEUE, always: true, action: { status: 429, shape: 'text', retryAfter: { seconds: retryAfterS } } }).id)],
        jobs: () => enqueue(plan.jobsPerPhase),
        during: untilACallFollowsA429(() => faultId),
        faultMs: plan.stormMs,
        boundMs: plan.settleMs,
      });
      expect(assertRetryAfterHonoured(r.faultIds[0]!, retryAfterS * 1000)).toBeGreaterThan(0);
    }, plan.settleMs + 120_000);

    it.runIf(full)('backs off without Retry-After on the queue (no poll within the 5 s fallback) and recovers', async () => {
      await quiet();
      let faultId = '';
      const r = await phase('queue-429-no-retry-after', {
        faults: () => [(faultId = control().inject({ method: 'GET', path: QUEUE, always: true, action: { status: 429, shape: 'text' } }).id)],
        jobs: () => enqueue(plan.jobsPerPhase),
        during: untilACallFollowsA429(() => faultId),
        faultMs: plan.stormMs,
        boundMs: Math.max(plan.settleMs, 360_000),
      });
      // broker-client's fallback without Retry-After starts at 5 s and doubles (pacing.ts, rateLimitFallbackMs).
      expect(assertRetryAfterHonoured(r.faultIds[0]!, 5_000)).toBeGreaterThan(0);
    }, Math.max(plan.settleMs, 360_000) + 60_000);

    it.runIf(acquireMode)('makes no acquirejobs call before Retry-After expires during a 429 storm on it, and recovers', async () => {
      await quiet();
      const retryAfterS = 1;
      let faultId = '';
      const r = await phase('acquirejobs-429-retry-after', {
        faults: () => [(faultId = control().inject({ method: 'POST', path: ACQUIRE, always: true, action: { status: 429, shape: 'actions', retryAfter: { seconds: retryAfterS } } }).id)],
        jobs: () => enqueue(plan.jobsPerPhase),
        during: untilACallFollowsA429(() => faultId, acquirePath()),
        faultMs: plan.stormMs,
        boundMs: plan.settleMs,
      });
      expect(assertRetryAfterHonoured(r.faultIds[0]!, retryAfterS * 1000, acquirePath())).toBeGreaterThan(0);
    }, plan.settleMs + 120_000);

    it.runIf(full && acquireMode)('backs off without Retry-After on acquirejobs (no call within 5 s) and recovers', async () => {
      await quiet();
      let faultId = '';
      const r = await phase('acquirejobs-429-no-retry-after', {
        faults: () => [(faultId = control().inject({ method: 'POST', path: ACQUIRE, always: true, action: { status: 429, shape: 'actions' } }).id)],
        jobs: () => enqueue(plan.jobsPerPhase),
        during: untilACallFollowsA429(() => faultId, acquirePath()),
        faultMs: plan.stormMs,
        boundMs: Math.max(plan.settleMs, 360_000),
      });
      expect(assertRetryAfterHonoured(r.faultIds[0]!, 5_000, acquirePath())).toBeGreaterThan(0);
    }, Math.max(plan.settleMs, 360_000) + 60_000);

    // Reduced form: left out (its floor is the mint back-off's first 5 s); broker-client's scaleset-flow test
    // holds the back-off itself.
    it.runIf(full)('rides out the registration-token endpoint being down with the admin JWT expired, then runs every queued job', async () => {
      const r = await phase('token-endpoint-down', {
        faults: () => {
          const id = control().inject({ method: 'POST', path: REGISTRATION_TOKEN, always: true, action: { status: 503, shape: 'rest' } }).id;
          // The admin JWT dies at GitHub: every admin call (acquirablejobs, generatejitconfig, session refresh)
          // needs a new one, minted from a registration token the endpoint now refuses.
          control().expireToken('admin-jwt', 'orgs/acme');
          return [id];
        },
        jobs: () => enqueue(plan.jobsPerPhase),
        faultMs: plan.tokenOutageMs,
        boundMs: plan.settleMs + 60_000,
      });
      // The mint's back-off (5 s doubling to 60 s) holds for every caller: about one fetch a minute once it is
      // at its cap (≈ 14 in ten minutes; one in the reduced form's 2 s), not one per admin call (10 in 2 s before).
      expect(faultHits(r.faultIds[0]!).length).toBeLessThanOrEqual(plan.tokenOutageMs / 30_000 + 3);
    }, plan.tokenOutageMs + plan.settleMs + 120_000);

    it('rides out 5xx bursts on polls, acquirejobs and JIT configs, running each job once', async () => {
      const r = await phase('5xx-bursts', {
        faults: () => [
          // A 5xx on the queue holds the next poll 15–30 s (the runner's two-tier back-off, broker-protocol §10):
          // only the full form pays for it.
          ...(full ? [control().inject({ method: 'GET', path: QUEUE, times: plan.burst, action: { status: 503, shape: 'text' } }).id] : []),
          control().inject({ method: 'POST', path: `${ADMIN}/*/generatejitconfig`, times: plan.burst, action: { status: 502, shape: 'actions' } }).id,
          ...(acquireMode ? [control().inject({ method: 'POST', path: ACQUIRE, times: plan.burst, action: { status: 500, shape: 'actions' } }).id] : []),
        ],
        jobs: () => enqueue(plan.jobsPerPhase),
        faultMs: plan.stormMs,
        boundMs: plan.settleMs,
      });
      expect(r.faultIds.map((id) => faultHits(id).length).reduce((a, b) => a + b)).toBeGreaterThan(0);
    }, plan.settleMs + 120_000);

    it('starts no worker for a run cancelled while its job was being claimed', async () => {
      const cancelled = (j: JobView): boolean => j.state === 'cancelled' && j.conclusion === 'canceled' && j.timesAcquired === 0;
      // acquire: the acquirejobs call is held a while; auto: the job is assigned on the poll, and its JIT
      // config is held a while. The run is cancelled while that call is in flight.
      const held = acquireMode ? ACQUIRE : `${ADMIN}/*/generatejitconfig`;
      const claims = (j: JobView, q: RecordedRequest): boolean =>
        q.method === 'POST' &&
        (acquireMode
          ? q.path.endsWith('/acquirejobs') && Array.isArray(q.body) && q.body.includes(j.requestId)
          : q.path.endsWith('/generatejitconfig') && String((q.body as { name?: unknown } | undefined)?.name).startsWith(`ag-${j.jobId}`));
      const r = await phase('cancelled-runs', {
        faults: () => [control().inject({ method: 'POST', path: held, always: true, action: { latencyMs: 1_000 } }).id],
        jobs: () => enqueue(plan.jobsPerPhase),
        faultMs: 0,
        boundMs: plan.settleMs,
        expected: cancelled,
        during: async (jobs) => {
          const from = Date.now();
          for (const j of jobs) {
            // auto: a runner of the scale set may take any job, so a job's own JIT call may never come: its
            // run is cancelled once it is assigned and some JIT call is in flight.
            const inFlight = (q: RecordedRequest): boolean => (acquireMode ? claims(j, q) : q.method === 'POST' && q.path.endsWith('/generatejitconfig') && q.at >= from);
            await eventually(() => (acquireMode || control().job(j.requestId)?.scaleSetState === 'assigned') && control().requests().some(inFlight), `a claim call for job ${j.requestId}`, 60_000);
            control().cancelRun(j.runId);
          }
        },
      });
      const pods = await podsPerJob();
      const withPods = r.jobs.filter((j) => pods.has(j.jobId)).map((j) => j.jobId);
      figures.push(`${figures.pop() ?? ''} pods_for_cancelled=${withPods.length}`);
      // acquire: the claim is this tier's own call, and a run cancelled before it wins is never claimed. auto:
      // GitHub assigns the job on the poll; a cancel landing before its JobCompleted is stored can race the
      // pod's creation (its runner then takes nothing: timesAcquired 0 is asserted above for every job).
      if (acquireMode) expect(withPods, 'worker pods of cancelled jobs').toEqual([]);
    }, plan.settleMs + 120_000);
  });
}
