// The run service: acquirejob on the per-job run_service_url (U4), renewjob/completejob on the job
// connection URL (U5) with the job token (spec §9). U5 requests are also accepted on U4, as GAG observed.
import { runServiceError, sendEmpty, sendJson, str, field, match, type Ctx } from './http.js';
import type { JobRecord } from './state.js';
import type { World } from './world.js';

export const CONCLUSIONS = ['succeeded', 'succeededWithIssues', 'failed', 'canceled', 'skipped', 'abandoned'];

export function handleRunService(world: World, ctx: Ctx): boolean {
  const m = match('/_run/{job}/{op}', ctx.path) ?? match('/_jobs/{job}/{op}', ctx.path);
  if (!m || ctx.method !== 'POST') return false;
  const job = world.jobs.get(Number(m.job));
  if (m.op === 'acquirejob' && ctx.path.startsWith('/_run/')) return acquire(world, ctx, job), true;
  if (m.op === 'renewjob') return renew(world, ctx, job), true;
  if (m.op === 'completejob') return complete(world, ctx, job), true;
  return false;
}

function acquire(world: World, ctx: Ctx, job: JobRecord | undefined): void {
  const tok = world.liveToken(ctx.token, 'runner-oauth');
  const runner = tok ? world.runners.get(Number(tok.subject)) : undefined;
  if (!tok || !runner) return runServiceError(ctx, 401, 'Unauthorized');
  if (ctx.bodyError) return runServiceError(ctx, 400, `Invalid request body: ${ctx.bodyError}`);
  const id = str(ctx.body, 'jobMessageId');
  if (!id) return runServiceError(ctx, 400, 'jobMessageId is required');
  const found = world.findDelivery(id);
  // A delivery made on another job's URL, or to another runner, does not exist from this caller's view.
  if (!job || !found || found.job !== job || found.delivery.runnerId !== runner.id) return runServiceError(ctx, 404, 'Job message not found');
  if (job.state === 'acquired' || job.state === 'running' || job.state === 'completed') {
    return job.state === 'completed' && !job.acquiredBy ? runServiceError(ctx, 404, 'Job message not found') : runServiceError(ctx, 409, 'Job message already acquired');
  }
  if (found.delivery.expired || job.state === 'cancelled') return runServiceError(ctx, 404, 'Job message not found');
  const jobToken = world.acquire(job, found.delivery, runner);
  sendJson(ctx, 200, jobMessage(world, job, jobToken.token), { 'x-plan-id': job.planId });
}

function jobMessage(world: World, job: JobRecord, jobToken: string): Record<string, unknown> {
  const vars = {
    'system.github.repository': { value: job.repo, isSecret: false },
    'system.github.run_id': { value: String(job.runId), isSecret: false },
    'system.github.token': { value: 'ghs_fake_workflow_token', isSecret: true },
    ...world.scriptVariables(job),
  };
  return {
    messageType: 'RunnerJobRequest',
    plan: { scopeIdentifier: '00000000-0000-0000-0000-000000000000', planType: 'actions', version: 1, planId: job.planId, planGroup: null, artifactUri: null },
    timeline: { id: job.timelineId, changeId: 0, location: null },
    jobId: job.jobId, jobDisplayName: 'build', jobName: '__default', requestId: job.requestId,
    lockedUntil: new Date(job.lockedUntil ?? world.clock.now()).toISOString(),
    resources: {
      endpoints: [{
        name: 'SystemVssConnection', url: `${world.baseUrl}/_jobs/${job.requestId}/`,
        authorization: { scheme: 'OAuth', parameters: { AccessToken: jobToken } },
        data: { CacheServerUrl: `${world.baseUrl}/_cache/`, ResultsServiceUrl: `${world.baseUrl}/_results/` },
        isShared: false, isReady: true,
      }],
      repositories: [],
    },
    variables: vars,
    contextData: { github: { t: 2, d: [{ k: 'repository', v: job.repo }, { k: 'run_id', v: String(job.runId) }] } },
    steps: [], workspace: {}, fileTable: [], mask: [], defaults: [], billingOwnerId: `bo-${job.owner}`,
  };
}

/** The job token must be this job's; the broker/OAuth token is refused as GitHub refuses it (Q247). */
function jobAuthorized(world: World, ctx: Ctx, job: JobRecord | undefined): boolean {
  const rec = ctx.token ? world.tokens.get(ctx.token) : undefined;
  return !!job && !!rec && rec.kind === 'job-token' && rec.subject === String(job.requestId) && rec.expiresAt > world.clock.now();
}

function checkJobId(world: World, ctx: Ctx, job: JobRecord): boolean {
  const jobId = str(ctx.body, 'jobId');
  if (jobId === job.jobId) return true;
  if (!world.strict && jobId !== undefined && jobId === job.acquiredBy?.runnerRequestId) return true;
  runServiceError(ctx, 404, `Job ${jobId ?? '(none)'} not found`);
  return false;
}

function renew(world: World, ctx: Ctx, job: JobRecord | undefined): void {
  if (!jobAuthorized(world, ctx, job)) return runServiceError(ctx, 401, 'Not authorized for this job');
  if (ctx.bodyError) return runServiceError(ctx, 400, `Invalid request body: ${ctx.bodyError}`);
  const j = job!;
  if (!checkJobId(world, ctx, j)) return;
  if (j.state !== 'acquired' && j.state !== 'running') return runServiceError(ctx, 404, `Job ${j.jobId} not found`);
  if (j.state === 'acquired') {
    j.state = 'running';
    j.unstartedTimer?.cancel();
  }
  world.setLock(j);
  sendJson(ctx, 200, { lockedUntil: new Date(j.lockedUntil!).toISOString() });
}

function complete(world: World, ctx: Ctx, job: JobRecord | undefined): void {
  if (!jobAuthorized(world, ctx, job)) return runServiceError(ctx, 401, 'Not authorized for this job');
  if (ctx.bodyError) return runServiceError(ctx, 400, `Invalid request body: ${ctx.bodyError}`);
  const j = job!;
  if (!checkJobId(world, ctx, j)) return;
  let conclusion = str(ctx.body, 'conclusion');
  if (conclusion === undefined) {
    if (world.strict) {
      const extra = field(ctx.body, 'result') !== undefined ? " (the field is 'conclusion'; 'result' is not a CompleteJobRequest field)" : '';
      return runServiceError(ctx, 400, `CompleteJobRequest.conclusion is required${extra}`);
    }
    // Lenient mode models what the live service does with an unknown key: the enum defaults to 0 (succeeded).
    conclusion = 'succeeded';
  }
  if (!CONCLUSIONS.includes(conclusion)) return runServiceError(ctx, 400, `Unknown conclusion '${conclusion}'; expected one of ${CONCLUSIONS.join(', ')}`);
  if (j.state !== 'acquired' && j.state !== 'running') return runServiceError(ctx, 404, `Job ${j.jobId} not found`);
  world.conclude(j, conclusion);
  sendEmpty(ctx, 204);
}
