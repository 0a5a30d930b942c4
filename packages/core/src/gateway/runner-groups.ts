// The tenant RunnerGroups bootstrapped from spec.runnerGroups, and the selector that prunes the rest.
import { API_VERSION } from '../api/group.js';
import type { KubeObject } from '../api/kube-types.js';
import type { ActionsGateway, RunnerGroupSpec } from '../api/types.js';
import { runnerGroupObjectName } from '../naming/bounded-name.js';
import { Labels, managedLabels } from '../naming/names.js';
import { gatewayIdentity, managedMeta } from './meta.js';

/**
 * One RunnerGroup per `spec.runnerGroups[]` entry, named `<gateway>-<name>` (bounded, see
 * runnerGroupObjectName), labelled with the owner labels and the entry's name, spec = the entry minus `name`.
 * No ownerRef: teardown deletes them first and waits, so each RunnerGroup's finalizer can deregister its runners
 * while the AGC still runs.
 */
export function buildRunnerGroups(ag: ActionsGateway): KubeObject[] {
  return (ag.spec.runnerGroups ?? []).map(({ name, ...spec }) => {
    const rgSpec: RunnerGroupSpec = spec;
    return {
      apiVersion: API_VERSION,
      kind: 'RunnerGroup',
      metadata: managedMeta(ag, runnerGroupObjectName(gatewayIdentity(ag).name, name), { labels: { [RUNNER_GROUP_ENTRY_LABEL]: name } }),
      spec: rgSpec,
    };
  });
}

/** Label carrying the `spec.runnerGroups[].name` a RunnerGroup was made from. */
export const RUNNER_GROUP_ENTRY_LABEL = 'actions-gateway/runner-group-entry';

/** Label selector of every RunnerGroup (and object) the GMC manages for `ag`. */
export function ownedSelector(ag: ActionsGateway): Record<string, string> {
  const { name, namespace } = gatewayIdentity(ag);
  const labels = managedLabels(name, namespace);
  return { [Labels.ownerName]: labels[Labels.ownerName] as string, [Labels.ownerNamespace]: namespace };
}

/** Names of existing owned RunnerGroups that are no longer desired (to delete). */
export function runnerGroupsToPrune(existing: readonly string[], desired: readonly KubeObject[]): string[] {
  const keep = new Set(desired.map((o) => o.metadata.name));
  return existing.filter((name) => !keep.has(name));
}
