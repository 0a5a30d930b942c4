// Everything the GMC applies for one ActionsGateway, in apply order (gag-system §3.2 step 6).
import { applyActionsGatewayDefaults } from '../api/apply-defaults.js';
import type { KubeObject } from '../api/kube-types.js';
import { buildAgcDeployment, buildAgcService } from './agc.js';
import type { GatewayBuildInputs } from './inputs.js';
import { gatewayIdentity } from './meta.js';
import { buildNamespacePsaApply } from './namespace.js';
import { buildControllerNetworkPolicy, buildProxyNetworkPolicy, buildWorkloadNetworkPolicy } from './network-policies.js';
import { buildProxyDeployment, buildProxyHpa, buildProxyPdb, buildProxyService } from './proxy.js';
import { buildRoleBinding, buildServiceAccounts } from './rbac.js';
import { buildRunnerGroups, ownedSelector } from './runner-groups.js';
import { buildTlsSecrets } from './secrets.js';

/** One object to create-or-patch. */
export interface DesiredObject {
  /** The object to patch an existing one with (and to create, unless `createObject` is given). */
  readonly object: KubeObject;
  /**
   * The object to create when it does not exist yet, when it differs from `object`. Only the proxy Deployment
   * has one: it carries `spec.replicas = minReplicas`, which the patch leaves out so the HPA keeps the count.
   */
  readonly createObject?: KubeObject;
}

/** The desired state of one gateway. */
export interface GatewayDesiredState {
  /** Server-side apply of the six PSA labels on the tenant namespace (field manager PSA_FIELD_MANAGER). */
  readonly namespacePsa: KubeObject;
  /** Objects in apply order: SAs, RoleBinding, TLS Secrets, proxy Deployment/Service, NetworkPolicies, PDB, HPA, AGC Deployment/Service. */
  readonly objects: readonly DesiredObject[];
  /** The RunnerGroups, applied last. */
  readonly runnerGroups: readonly KubeObject[];
  /** Selects every owned RunnerGroup: those not in `runnerGroups` are pruned. */
  readonly runnerGroupSelector: Record<string, string>;
  /** Legacy objects to delete best-effort (NotFound is fine). */
  readonly legacyDeletes: ReadonlyArray<{ apiVersion: string; kind: string; name: string }>;
}

/** Builds the whole desired state of a (valid) gateway. Pure: the same inputs give the same objects. */
export function buildGatewayDesiredState(inputs: GatewayBuildInputs): GatewayDesiredState {
  const ag = applyActionsGatewayDefaults(inputs.gateway);
  const { namespace } = gatewayIdentity(ag);
  const proxy = ag.spec.proxy;
  const one = (object: KubeObject): DesiredObject => ({ object });
  return {
    namespacePsa: buildNamespacePsaApply(namespace, ag.spec.securityProfile),
    objects: [
      ...buildServiceAccounts(ag).map(one),
      one(buildRoleBinding(ag)),
      ...buildTlsSecrets(ag, inputs.certificates).map(one),
      {
        object: buildProxyDeployment(ag, proxy, inputs.proxyImage, inputs.certificates.proxy, { forCreate: false }),
        createObject: buildProxyDeployment(ag, proxy, inputs.proxyImage, inputs.certificates.proxy, { forCreate: true }),
      },
      one(buildProxyService(ag)),
      one(buildProxyNetworkPolicy(ag, proxy, inputs.gitHubCidrs)),
      one(buildWorkloadNetworkPolicy(ag)),
      one(buildControllerNetworkPolicy(ag)),
      one(buildProxyPdb(ag)),
      one(buildProxyHpa(ag, proxy)),
      one(buildAgcDeployment(ag, inputs.agcImage, inputs.certificates.proxy, inputs.agcExtraEnv ?? [], { workerImage: inputs.workerImage })),
      one(buildAgcService(ag)),
    ],
    runnerGroups: buildRunnerGroups(ag),
    runnerGroupSelector: ownedSelector(ag),
    legacyDeletes: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'actions-gateway' }],
  };
}
