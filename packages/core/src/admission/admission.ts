import type { KubernetesPort } from '../ports/kubernetes.js';
import { buildWorkerPod } from '../workerpod/build-pod.js';
import type { ProvisionerGroup } from '../workerpod/group.js';
import { workerPodSelector } from '../workerpod/labels.js';
import { decideCeiling } from './ceiling.js';
import { podResourceNeeds } from './pod-resources.js';
import { assessQuota, type QuotaAssessment } from './quota.js';
import type { LimitRange, Pod, ResourceQuota } from '../ports/k8s-objects.js';

/** Whether one more job of the group may be claimed now. */
export type AdmissionDecision =
  | { readonly admit: true; readonly priorityClassName?: string }
  | { readonly admit: false; readonly reason: 'ceiling' | 'tier' | 'quota'; readonly detail: string };

/** What admission looks at: the group, its active pods, and the namespace's quotas and limit ranges. */
export interface AdmissionSnapshot {
  readonly group: ProvisionerGroup;
  readonly activePods: number;
  readonly quotas: readonly ResourceQuota[];
  readonly limitRanges: readonly LimitRange[];
}

/** The ceiling, tier and quota answers of one snapshot. */
export interface AdmissionAssessment {
  readonly decision: AdmissionDecision;
  /** How many more jobs fit now: min of ceiling room, tier room and quota headroom (≥ 0, Infinity: unbounded). */
  readonly capacity: number;
}

/** True for a pod that holds a concurrency slot: Pending or Running (a pod being deleted still holds quota). */
export function isActiveWorkerPod(pod: Pod): boolean {
  const phase = pod.status?.phase ?? 'Pending';
  return phase === 'Pending' || phase === 'Running';
}

/**
 * Decides admission from a snapshot, without I/O. The quota is assessed for the pod the job would get
 * (the built worker pod, after the template, the resource defaults and the LimitRange defaults). A
 * template whose quantities do not parse is refused as `quota` with the field named.
 */
export function assessAdmission(snapshot: AdmissionSnapshot): AdmissionAssessment {
  const { group, activePods } = snapshot;
  const ceiling = decideCeiling(activePods, group);
  let quota: QuotaAssessment;
  try {
    const probe = buildWorkerPod(group, { planId: 'admission-probe' }, ceiling.held ? undefined : ceiling.priorityClassName);
    quota = assessQuota(snapshot.quotas, podResourceNeeds(probe.spec ?? { containers: [] }, snapshot.limitRanges));
  } catch (err) {
    quota = { fits: false, podsThatFit: 0, detail: err instanceof Error ? err.message : String(err) };
  }
  const capacity = Math.max(0, Math.min(ceiling.room, quota.podsThatFit));
  if (ceiling.held) return { decision: { admit: false, reason: ceiling.reason, detail: ceiling.detail }, capacity: 0 };
  if (!quota.fits) return { decision: { admit: false, reason: 'quota', detail: quota.detail }, capacity: 0 };
  const decision: AdmissionDecision = ceiling.priorityClassName ? { admit: true, priorityClassName: ceiling.priorityClassName } : { admit: true };
  return { decision, capacity };
}

/** Reads the live snapshot of a group through the Kubernetes port. */
export async function readAdmissionSnapshot(kube: KubernetesPort, group: ProvisionerGroup): Promise<AdmissionSnapshot> {
  const [pods, quotas, limitRanges] = await Promise.all([
    kube.listPods(group.namespace, workerPodSelector(group.name)),
    kube.listResourceQuotas(group.namespace),
    kube.listLimitRanges(group.namespace),
  ]);
  return { group, activePods: pods.filter(isActiveWorkerPod).length, quotas, limitRanges };
}

/**
 * Admission before a claim: call it before acquiring a job; a refusal leaves the job queued at GitHub.
 * `capacity` is what the scale-set tier advertises.
 */
export async function checkAdmission(kube: KubernetesPort, group: ProvisionerGroup): Promise<AdmissionAssessment> {
  return assessAdmission(await readAdmissionSnapshot(kube, group));
}
