import type { KubeObject } from '../api/kube-types.js';
import type { ActionsGateway } from '../api/types.js';
import { TenantNames } from '../naming/names.js';
import { gatewayIdentity, managedMeta } from './meta.js';

/** ServiceAccounts `actions-gateway-controller` (the AGC) and `actions-gateway-worker` (worker pods). */
export function buildServiceAccounts(ag: ActionsGateway): KubeObject[] {
  return [TenantNames.controller, TenantNames.workerServiceAccount].map((name) => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: managedMeta(ag, name),
  }));
}

/** RoleBinding of the AGC's ServiceAccount to ClusterRole `agc-tenant-role` (roleRef is immutable: recreate on change). */
export function buildRoleBinding(ag: ActionsGateway): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: managedMeta(ag, TenantNames.controller),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: TenantNames.agcClusterRole },
    subjects: [{ kind: 'ServiceAccount', name: TenantNames.controller, namespace: gatewayIdentity(ag).namespace }],
  };
}
