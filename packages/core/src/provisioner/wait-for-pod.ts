import type { KubeTime, Pod } from '../ports/k8s-objects.js';
import type { ProvisionerGroup } from '../workerpod/group.js';
import type { ProvisionJob, ProvisionPorts } from './provision.js';

const terminalPhases = new Set(['Succeeded', 'Failed', 'Unknown']);
const isFinished = (pod: Pod | undefined): boolean => !pod || terminalPhases.has(pod.status?.phase ?? '') || pod.metadata?.deletionTimestamp !== undefined;
const isScheduled = (pod: Pod | undefined): boolean =>
  isFinished(pod) || (pod?.status?.phase ?? 'Pending') !== 'Pending' || (pod?.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'True');
const toMs = (t: KubeTime | undefined): number | undefined => (t === undefined ? undefined : new Date(t).getTime());

/** Waits for the pod to be scheduled (observing `pod_creation_latency_seconds`), then to finish. */
async function waitForPod(ports: ProvisionPorts, group: ProvisionerGroup, job: ProvisionJob, name: string, signal: AbortSignal, progress: { scheduled: boolean }): Promise<Pod | undefined> {
  if (progress.scheduled) return ports.kubernetes.waitForPod(group.namespace, name, isFinished, signal);
  const scheduled = await ports.kubernetes.waitForPod(group.namespace, name, isScheduled, signal);
  const condition = scheduled?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True');
  progress.scheduled = true;
  if ((scheduled && !isFinished(scheduled)) || condition) {
    const at = toMs(condition?.lastTransitionTime) ?? ports.clock.now().getTime();
    ports.metrics.podCreationLatency.observe({ namespace: group.namespace }, Math.max(0, (at - job.acquiredAt.getTime()) / 1000));
  }
  if (isFinished(scheduled)) return scheduled;
  return ports.kubernetes.waitForPod(group.namespace, name, isFinished, signal);
}

/** The caller's signal ended the wait. */
export const ABORTED = Symbol('aborted');
/** Pause before watching again after a failed watch (the pod keeps running meanwhile). */
const WATCH_RETRY_MS = 5_000;

/**
 * Waits for the pod, watching again after a watch failure; only the caller's abort ends it early. A pod an
 * earlier AGC created (`adopted`) had its scheduling latency observed by that AGC.
 */
export async function waitWithRetry(ports: ProvisionPorts, group: ProvisionerGroup, job: ProvisionJob, name: string, signal: AbortSignal, adopted = false): Promise<Pod | undefined | typeof ABORTED> {
  const progress = { scheduled: adopted };
  for (;;) {
    try {
      return await waitForPod(ports, group, job, name, signal, progress);
    } catch (err) {
      if (signal.aborted) return ABORTED;
      ports.logger.warn({ namespace: group.namespace, runner_group: group.name, plan_id: job.planId, pod: name, err }, 'watching the worker pod failed; watching again');
      if (!(await ports.clock.sleep(WATCH_RETRY_MS, signal))) return ABORTED;
    }
  }
}
