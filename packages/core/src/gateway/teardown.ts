// What deleting an ActionsGateway removes, in order (gag-system §3.9).
import { API_VERSION } from '../api/group.js';
import type { ActionsGateway } from '../api/types.js';
import { TenantNames } from '../naming/names.js';
import { gatewayIdentity } from './meta.js';
import { ownedSelector } from './runner-groups.js';

/** One object to delete (NotFound counts as done). */
export interface TeardownDelete {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** The ordered teardown of one gateway. */
export interface TeardownPlan {
  /** Step 1: delete every RunnerGroup matching this selector, then wait (requeue) until none remain. */
  readonly runnerGroups: { readonly apiVersion: string; readonly kind: 'RunnerGroup'; readonly namespace: string; readonly labelSelector: Record<string, string> };
  /** How long to wait before checking again while RunnerGroups remain (their finalizers deregister runners). */
  readonly requeueWhileRunnerGroupsRemainMs: number;
  /** Step 2, in order, once no RunnerGroup remains. Secrets go by ownerRef GC; the namespace and its PSA labels stay. */
  readonly deletes: readonly TeardownDelete[];
}

/** The teardown plan: RunnerGroups first (the AGC must still run to deregister), then the AGC, proxy, policies, RBAC. */
export function buildTeardownPlan(ag: ActionsGateway): TeardownPlan {
  const { namespace } = gatewayIdentity(ag);
  const d = (apiVersion: string, kind: string, name: string): TeardownDelete => ({ apiVersion, kind, namespace, name });
  return {
    runnerGroups: { apiVersion: API_VERSION, kind: 'RunnerGroup', namespace, labelSelector: ownedSelector(ag) },
    requeueWhileRunnerGroupsRemainMs: 5000,
    deletes: [
      d('apps/v1', 'Deployment', TenantNames.controller),
      d('v1', 'Service', TenantNames.controller),
      d('autoscaling/v2', 'HorizontalPodAutoscaler', TenantNames.proxy),
      d('policy/v1', 'PodDisruptionBudget', TenantNames.proxy),
      d('v1', 'Service', TenantNames.proxy),
      d('apps/v1', 'Deployment', TenantNames.proxy),
      d('networking.k8s.io/v1', 'NetworkPolicy', TenantNames.proxy),
      d('networking.k8s.io/v1', 'NetworkPolicy', TenantNames.controller),
      d('networking.k8s.io/v1', 'NetworkPolicy', TenantNames.workloadNetworkPolicy),
      d('networking.k8s.io/v1', 'NetworkPolicy', TenantNames.legacyNetworkPolicy),
      d('rbac.authorization.k8s.io/v1', 'RoleBinding', TenantNames.controller),
      d('rbac.authorization.k8s.io/v1', 'Role', TenantNames.controller),
      d('v1', 'ServiceAccount', TenantNames.controller),
      d('v1', 'ServiceAccount', TenantNames.workerServiceAccount),
    ],
  };
}
