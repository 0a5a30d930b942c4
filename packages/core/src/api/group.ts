/** The API group of both kinds. */
export const API_GROUP = 'actions-gateway.github.com';
/** The only served and stored version. */
export const API_VERSION_V1ALPHA1 = 'v1alpha1';
/** `apiVersion` as written on objects. */
export const API_VERSION = `${API_GROUP}/${API_VERSION_V1ALPHA1}` as const;

/** Kind, plural, singular and short name of each custom resource. */
export const ACTIONS_GATEWAY_KIND = {
  kind: 'ActionsGateway',
  plural: 'actionsgateways',
  singular: 'actionsgateway',
  shortName: 'ag',
  listKind: 'ActionsGatewayList',
} as const;

/** Kind, plural, singular and short name of the RunnerGroup resource. */
export const RUNNER_GROUP_KIND = {
  kind: 'RunnerGroup',
  plural: 'runnergroups',
  singular: 'runnergroup',
  shortName: 'rg',
  listKind: 'RunnerGroupList',
} as const;

/** The `kubectl get actions-gateway` category both kinds belong to. */
export const API_CATEGORY = 'actions-gateway';

/** Annotation on an ActionsGateway that permits lowering `spec.securityProfile`. */
export const ALLOW_PROFILE_DOWNGRADE_ANNOTATION = `${API_GROUP}/allow-profile-downgrade`;
/** Finalizer the GMC keeps on every ActionsGateway until teardown is complete. */
export const GMC_FINALIZER = `${API_GROUP}/gmc-cleanup`;
/** Finalizer the AGC keeps on every RunnerGroup until its agents are deregistered. */
export const AGENT_POOL_FINALIZER = `${API_GROUP}/agentpool-cleanup`;
/** Admin-set namespace label marking a namespace as a tenant (the GMC never sets it). */
export const TENANT_NAMESPACE_LABEL = `${API_GROUP}/tenant`;
