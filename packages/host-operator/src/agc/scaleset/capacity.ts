/**
 * The capacity advertised on every poll (`X-ScaleSetMaxCapacity`). GitHub reads it as the most jobs it may
 * have assigned to the scale set at once (broker-protocol §13.4: each extra unit releases one more
 * JobAssigned), so the tier advertises the jobs it holds that already have a live pod plus the admission
 * capacity (core's min of ceiling room, tier room and live quota headroom for the worker pod). New
 * assignments are then at most the admission capacity minus the jobs still waiting for their pod, and the
 * figure never exceeds the pods the group may run.
 */
import { assessAdmission, isActiveWorkerPod, jobRefOfPod, workerPodSelector, type AdmissionAssessment, type KubernetesPort, type ProvisionerGroup } from '@actions-gateway/core';
import type { ScaleSetJobRecord } from './job-record.js';

/** The largest figure advertised when nothing bounds the group (no ceiling, no quota). */
export const UNBOUNDED_CAPACITY = 1_000;

/** One capacity reading. */
export interface CapacityReading {
  /** What to advertise. */
  readonly advertised: number;
  /** How many more jobs may be assigned now (admission capacity minus jobs waiting for a pod). */
  readonly room: number;
  readonly assessment: AdmissionAssessment;
}

/** Reads pods, quotas and limit ranges and computes the advertised capacity. */
export async function readCapacity(kube: KubernetesPort, group: ProvisionerGroup, jobs: ReadonlyMap<string, ScaleSetJobRecord>): Promise<CapacityReading> {
  const [pods, quotas, limitRanges] = await Promise.all([kube.listPods(group.namespace, workerPodSelector(group.name)), kube.listResourceQuotas(group.namespace), kube.listLimitRanges(group.namespace)]);
  const active = pods.filter(isActiveWorkerPod);
  const assessment = assessAdmission({ group, activePods: active.length, quotas, limitRanges });
  const withPod = new Set(active.map((p) => jobRefOfPod(p).planId).filter((id): id is string => id !== undefined));
  let live = 0;
  let waiting = 0;
  for (const job of jobs.values()) {
    if (job.phase === 'completed' || job.podDone) continue;
    if (withPod.has(job.jobId)) live++;
    else waiting++;
  }
  return computeCapacity(assessment, live, waiting);
}

/** The arithmetic of {@link readCapacity}, without I/O. */
export function computeCapacity(assessment: AdmissionAssessment, liveHeldJobs: number, waitingHeldJobs: number): CapacityReading {
  const headroom = Math.min(UNBOUNDED_CAPACITY, Number.isFinite(assessment.capacity) ? Math.max(0, Math.floor(assessment.capacity)) : UNBOUNDED_CAPACITY);
  return { advertised: Math.min(UNBOUNDED_CAPACITY, liveHeldJobs + headroom), room: Math.max(0, headroom - waitingHeldJobs), assessment };
}
