import type { ObjectMeta, OwnerReference } from '../api/kube-types.js';
import type { ActionsGateway } from '../api/types.js';
import { managedLabels } from '../naming/names.js';

/** Name and namespace of a gateway, with safe fallbacks for the type checker (validation guarantees both). */
export function gatewayIdentity(ag: ActionsGateway): { name: string; namespace: string } {
  return { name: ag.metadata.name ?? '', namespace: ag.metadata.namespace ?? '' };
}

/** The controller ownerRef to the gateway (Deployments and Secrets carry it; Kubernetes GC removes them). */
export function gatewayOwnerReference(ag: ActionsGateway): OwnerReference {
  return {
    apiVersion: ag.apiVersion,
    kind: 'ActionsGateway',
    name: ag.metadata.name ?? '',
    uid: ag.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata of a managed object: fixed name, the tenant namespace, managed labels plus `labels`. */
export function managedMeta(
  ag: ActionsGateway,
  name: string,
  opts: { labels?: Record<string, string>; owned?: boolean } = {},
): ObjectMeta & { name: string } {
  const { name: agName, namespace } = gatewayIdentity(ag);
  return {
    name,
    namespace,
    labels: { ...managedLabels(agName, namespace), ...opts.labels },
    ...(opts.owned ? { ownerReferences: [gatewayOwnerReference(ag)] } : {}),
  };
}
