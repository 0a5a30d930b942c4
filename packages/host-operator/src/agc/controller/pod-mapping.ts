/**
 * Worker pod → RunnerGroup key, through the `actions-gateway/runner-group` label (its bounded value, looked
 * up in the RunnerGroup informer's index), with the seed's predicate: a pod's add and delete enqueue its
 * group, an update only when `status.phase` (or the start of a deletion) changed.
 */
import { Labels, runnerGroupLabelValue } from '@actions-gateway/core';
import type { Informer } from '../../runtime/informer.js';
import { objectKey, type KubeObject } from '../../runtime/object.js';

/** The RunnerGroup informer index from the label value to the group. */
export const RUNNER_GROUP_LABEL_INDEX = 'runnerGroupLabel';

/** The indexer to register on the RunnerGroup informer. */
export function runnerGroupLabelIndexer(rg: KubeObject): string[] {
  return rg.metadata?.name ? [runnerGroupLabelValue(rg.metadata.name)] : [];
}

type PodLike = KubeObject & { status?: { phase?: string } };

/** Builds the key mapper for the pod informer. */
export function podToRunnerGroup(groups: Informer<KubeObject>, pods: Informer<KubeObject>): (pod: KubeObject) => string[] {
  const lastSeen = new Map<string, string>();
  return (pod: PodLike) => {
    const label = pod.metadata?.labels?.[Labels.runnerGroup];
    if (!label) return [];
    const key = objectKey(pod);
    const state = `${pod.status?.phase ?? ''}|${pod.metadata?.deletionTimestamp ? 'deleting' : ''}`;
    if (pods.store.get(key) === undefined) {
      lastSeen.delete(key); // deleted
    } else {
      if (lastSeen.get(key) === state) return [];
      lastSeen.set(key, state);
    }
    return groups.store
      .byIndex(RUNNER_GROUP_LABEL_INDEX, label)
      .filter((rg) => rg.metadata?.namespace === pod.metadata?.namespace)
      .map((rg) => objectKey(rg));
  };
}
