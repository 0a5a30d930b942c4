// Fixed names and label keys in a tenant namespace (gag-system §7).
import { boundedLabelValue } from './bounded-name.js';

/** Names of the objects the GMC creates in each tenant namespace. */
export const TenantNames = {
  controller: 'actions-gateway-controller',
  proxy: 'actions-gateway-proxy',
  workerServiceAccount: 'actions-gateway-worker',
  workloadNetworkPolicy: 'actions-gateway-workload',
  legacyNetworkPolicy: 'actions-gateway',
  proxyTlsSecret: 'actions-gateway-proxy-tls',
  metricsTlsSecret: 'actions-gateway-metrics-tls',
  metricsClientSecret: 'actions-gateway-metrics-client',
  agcClusterRole: 'agc-tenant-role',
} as const;

/** Label keys and values used on managed objects and pods. */
export const Labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  managedByGmc: 'actions-gateway-gmc',
  managedByAgc: 'actions-gateway-controller',
  ownerName: 'actions-gateway/owner-name',
  ownerNamespace: 'actions-gateway/owner-ns',
  component: 'actions-gateway/component',
  componentWorkload: 'workload',
  app: 'app',
  runnerGroup: 'actions-gateway/runner-group',
  agentIndex: 'actions-gateway/agent-index',
  planId: 'actions-gateway/plan-id',
} as const;

/** Annotation on the AGC pod template naming the App Secret (a change rolls the AGC). */
export const GITHUB_APP_SECRET_ANNOTATION = 'actions-gateway/github-app-secret';

/** Field manager for the namespace PSA labels (server-side apply). */
export const PSA_FIELD_MANAGER = 'actionsgateway-controller-psa';

/** The in-cluster DNS name of the tenant proxy Service. */
export function proxyServiceHost(namespace: string): string {
  return `${TenantNames.proxy}.${namespace}.svc.cluster.local`;
}

/** Labels the GMC puts on everything it manages for `ag`: used for prune and teardown selection. */
export function managedLabels(agName: string, agNamespace: string): Record<string, string> {
  return {
    [Labels.managedBy]: Labels.managedByGmc,
    [Labels.ownerName]: boundedLabelValue(agName),
    [Labels.ownerNamespace]: agNamespace,
  };
}
