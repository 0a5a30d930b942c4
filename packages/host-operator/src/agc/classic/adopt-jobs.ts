/**
 * Jobs an earlier AGC claimed and staged, taken over when a classic listener starts. The AGC renews a job's
 * lock (GitHub fails a job ~10 min after its last renewal) and settles its end, so without this an AGC
 * restart — an upgrade, a drain, a crash — fails every job running longer than the lock, and a job staged
 * just before a crash never gets its pod. A job Secret of the group is this listener's to take over when its
 * pod runs or was never created; when the pod already ended (or is going) the reconciler's handling of pods
 * from an earlier AGC re-runs a disruption from the pod alone, and only the Secret is removed here.
 */
import { BrokerClientError, readAcquiredJob, type RunServiceClient } from '@actions-gateway/broker-client';
import { Labels, readJobSecret, workerPodName, type JobLease, type JobSecretContent, type Pod, type Secret } from '@actions-gateway/core';
import { createLeaseBrokerPort } from '../ports/job-broker-port.js';
import type { AgentSecretStore } from './agent-secret-store.js';
import { agentSecretLabels } from './agent-secret.js';
import { withDeadline } from './clock.js';
import { runClaimedJob, type RunJobDeps } from './job-handler.js';

/** What taking over needs beyond running a claimed job. */
export interface AdoptionDeps extends RunJobDeps {
  /** Lists the group's Secrets (agent and job Secrets carry the same group labels). */
  readonly store: Pick<AgentSecretStore, 'list' | 'delete'>;
  /** Renews and completes with a job's own token (its acquiring session is gone). */
  readonly runService: RunServiceClient;
  /** Runs a taken-over job beside the session loops until the listener stops (then the job is left for the next AGC). */
  readonly runBeside: (work: (signal: AbortSignal) => Promise<void>) => void;
}

/** A job Secret read back: what the worker was given. */
interface StagedJob extends JobSecretContent {
  readonly secretName: string;
  readonly stagedAt: Date | undefined;
}

function readStagedJob(secret: Secret): StagedJob | string {
  const content = readJobSecret(secret);
  if ('problem' in content) return content.problem;
  const created = secret.metadata?.creationTimestamp;
  return { ...content, secretName: secret.metadata?.name ?? '', stagedAt: created === undefined ? undefined : new Date(created) };
}

const podEnded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || pod.metadata?.deletionTimestamp !== undefined;

/**
 * Looks once at the group's job Secrets and takes over every job no session of this AGC handles. Resolves
 * with the number taken over; never throws (a Secret that cannot be read is logged and left alone).
 */
export async function adoptStagedJobs(deps: AdoptionDeps, signal: AbortSignal): Promise<number> {
  const { context } = deps;
  const group = deps.group();
  const fields = { namespace: group.namespace, runner_group: group.name };
  let secrets: Secret[];
  try {
    secrets = (await deps.store.list(agentSecretLabels(group.name))).filter((s) => s.metadata?.labels?.[Labels.planId] !== undefined);
  } catch (err) {
    context.logger.warn({ ...fields, err }, 'listing job Secrets left by an earlier AGC failed; their jobs are not taken over');
    return 0;
  }
  let adopted = 0;
  for (const secret of secrets) {
    if (signal.aborted) break;
    const staged = readStagedJob(secret);
    if (typeof staged === 'string') {
      context.logger.warn({ ...fields, detail: staged }, 'job Secret left by an earlier AGC is unreadable; not taking its job over');
      continue;
    }
    if (await adoptOne(deps, staged, signal)) adopted += 1;
  }
  if (adopted > 0) context.logger.info({ ...fields, jobs: adopted }, 'took over jobs an earlier AGC claimed');
  return adopted;
}

async function adoptOne(deps: AdoptionDeps, staged: StagedJob, signal: AbortSignal): Promise<boolean> {
  const { context } = deps;
  const group = deps.group();
  const log = { namespace: group.namespace, runner_group: group.name, plan_id: staged.planId };
  const planKey = `plan:${staged.planId}`;
  if (!context.inFlight.tryClaim(planKey)) return false; // a session of this AGC handles it
  let handedOn = false;
  try {
    const kube = context.provision.kubernetes;
    const pod = await kube.getPod(group.namespace, workerPodName(group.name, staged.planId));
    if (pod && podEnded(pod)) {
      await deps.store.delete(staged.secretName);
      return false;
    }
    let lease: JobLease;
    try {
      const job = readAcquiredJob({ status: 200, headers: {}, text: staged.payload }, { runnerRequestId: '' });
      lease = { planId: staged.planId, jobId: job.jobId, runServiceUrl: job.jobServiceUrl, jobToken: job.jobToken };
    } catch (err) {
      context.logger.warn({ ...log, err }, 'the job message in the job Secret is unreadable; its lock cannot be renewed');
      return false;
    }
    const broker = createLeaseBrokerPort(deps.runService);
    if (!pod) {
      // As the runner does: no worker before a renewal succeeds. A job that ended meanwhile (its Secret outlived
      // a crash) must not run twice.
      const renewed = await withDeadline(context.clock, deps.timings.controlPlaneTimeoutMs, signal, (s) => broker.renewJob(lease, s)).catch((err: unknown) => ({
        kind: 'error' as const,
        error: err instanceof Error ? err : new Error(String(err)),
      }));
      // A 401 with the job's own token: GitHub revoked it when the job concluded.
      if (renewed.kind === 'gone' || (renewed.kind === 'error' && renewed.error instanceof BrokerClientError && renewed.error.status === 401)) {
        context.logger.info(log, 'a job staged by an earlier AGC has ended at GitHub; removing its Secret');
        await deps.store.delete(staged.secretName);
        return false;
      }
      // Not knowing is not "ended": the renew loop keeps asking, and gives the job up on a 404 or five failures.
      if (renewed.kind === 'error') context.logger.warn({ ...log, err: renewed.error }, 'renewing a job staged by an earlier AGC failed; creating its pod anyway');
    }
    if (signal.aborted) return false;
    context.inFlight.adopt(staged.planId);
    context.logger.info({ ...log, pod_exists: pod !== undefined }, pod ? 'following the worker pod of a job an earlier AGC claimed' : 'creating the worker pod of a job an earlier AGC staged');
    handedOn = true;
    deps.runBeside((jobSignal) =>
      runClaimedJob(deps, broker, { lease, payload: staged.payload, jitConfig: staged.jitConfig, acquiredAt: staged.stagedAt ?? context.clock.now(), adopted: true }, jobSignal).finally(() => {
        context.inFlight.release(planKey);
        deps.admission.jobEnded();
      }),
    );
    return true;
  } catch (err) {
    context.logger.warn({ ...log, err }, 'taking over a job an earlier AGC claimed failed');
    return false;
  } finally {
    if (!handedOn) context.inFlight.release(planKey);
  }
}
