/**
 * JIT registrations a crash leaked: a job's JIT config is generated before its pod exists, so a crash (or a
 * provision that failed) in between leaves a runner registered at GitHub that no pod will ever run. The
 * successor gives the job a new runner; the old one would stay registered, offline, forever. The sweep
 * deletes every runner of the scale set made for a job (`ag-<jobId>-…`) that has no live pod and no worker
 * of this process between its JIT config and its pod. A busy runner is never deleted (GitHub refuses it).
 */
import type { ScaleSetAdminClient } from '@actions-gateway/broker-client';
import { isActiveWorkerPod, jobRefOfPod, workerPodSelector, type KubernetesPort, type ProvisionerGroup } from '@actions-gateway/core';
import { jobIdOfPlan } from './job-record.js';

/** A runner of the scale set, as `…/distributedtask/pools/0/agents` lists it. */
export interface ScaleSetRunner {
  readonly id: number;
  readonly name: string;
  readonly busy: boolean;
  readonly scaleSetId: number;
}

/** The job a runner name of this tier was made for (`ag-<jobId>-<8 hex>`, see `runnerNamePrefix`); undefined for any other name. */
export function jobIdOfRunnerName(name: string): string | undefined {
  const m = /^ag-(.+)-[0-9a-f]{8}$/.exec(name);
  // A prefix cut at 50 characters may hold only part of its job id: not ours to judge.
  if (!m || `ag-${m[1]!}`.length >= 50) return undefined;
  return m[1];
}

/** More pages than a scale set can fill (GitHub allows 10,000 runners a group): a server looping its token stops here. */
const MAX_PAGES = 1_000;

/**
 * Lists the runners registered for `scaleSetId`, every page: the list is paged the Azure DevOps way (an
 * assumption, see the fake's `listAgents`): while more follow, the answer carries `x-ms-continuationtoken`
 * and the next request passes it as `continuationToken`. A server that repeats a token is an error, not a
 * loop.
 */
export async function listScaleSetRunners(admin: ScaleSetAdminClient, scaleSetId: number, signal?: AbortSignal): Promise<ScaleSetRunner[]> {
  const out: ScaleSetRunner[] = [];
  const tokens = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const path = `/_apis/distributedtask/pools/0/agents${token === undefined ? '' : `?continuationToken=${encodeURIComponent(token)}`}`;
    const res = await admin.call('listScaleSetRunners', 'GET', path, undefined, [200], signal);
    const body = res.text.trim() === '' ? {} : (JSON.parse(res.text) as { value?: unknown });
    for (const item of Array.isArray(body.value) ? (body.value as unknown[]) : []) {
      const o = (item ?? {}) as Record<string, unknown>;
      if (typeof o.id !== 'number' || typeof o.name !== 'string' || o.runnerScaleSetId !== scaleSetId) continue;
      out.push({ id: o.id, name: o.name, busy: o.busy === true, scaleSetId });
    }
    token = res.headers['x-ms-continuationtoken'] || undefined;
    if (token === undefined) return out;
    if (tokens.has(token)) throw new Error(`listing the scale set's runners: the server repeated continuation token ${JSON.stringify(token)}`);
    tokens.add(token);
  }
  throw new Error(`listing the scale set's runners: more than ${MAX_PAGES} pages`);
}

/** What a sweep needs. */
export interface RunnerSweepDeps {
  readonly admin: ScaleSetAdminClient;
  readonly kube: KubernetesPort;
  readonly group: ProvisionerGroup;
  readonly scaleSetId: number;
  /** True while a worker of this process may be between a job's JIT config and its pod. */
  readonly working: (jobId: string) => boolean;
  readonly signal?: AbortSignal | undefined;
}

/** What one sweep did. */
export interface SweepResult {
  readonly deleted: string[];
  /** Runners whose delete failed (e.g. one that became busy meanwhile), with the error. */
  readonly failed: Array<{ readonly name: string; readonly err: unknown }>;
}

/** Deletes leaked runners. Throws when the runners or pods cannot be listed. */
export async function sweepLeakedRunners(deps: RunnerSweepDeps): Promise<SweepResult> {
  const runners = await listScaleSetRunners(deps.admin, deps.scaleSetId, deps.signal);
  const candidates = runners.filter((r) => !r.busy && jobIdOfRunnerName(r.name) !== undefined);
  const result: SweepResult = { deleted: [], failed: [] };
  if (candidates.length === 0) return result;
  const pods = await deps.kube.listPods(deps.group.namespace, workerPodSelector(deps.group.name));
  const withPod = new Set(
    pods
      .filter(isActiveWorkerPod)
      .map((p) => jobRefOfPod(p).planId)
      .filter((id): id is string => id !== undefined)
      .map(jobIdOfPlan),
  );
  for (const runner of candidates) {
    const jobId = jobIdOfRunnerName(runner.name)!;
    // Checked again right before the delete: a worker may have started on the job since the listing.
    if (withPod.has(jobId) || deps.working(jobId)) continue;
    try {
      await deleteScaleSetRunner(deps.admin, runner.id, deps.signal);
      result.deleted.push(runner.name);
    } catch (err) {
      if (deps.signal?.aborted) throw err;
      result.failed.push({ name: runner.name, err });
    }
  }
  return result;
}

/** `DELETE …/agents/{id}`; gone already counts as done. */
export async function deleteScaleSetRunner(admin: ScaleSetAdminClient, runnerId: number, signal?: AbortSignal): Promise<void> {
  await admin.call('deleteScaleSetRunner', 'DELETE', `/_apis/distributedtask/pools/0/agents/${runnerId}`, undefined, [200, 204, 404], signal);
}
