/** Pushes fresh GitHub CIDRs into every managed gateway's proxy NetworkPolicy (gag-system §3.11). */
import { applyActionsGatewayDefaults, buildProxyNetworkPolicy, TenantNames, type ActionsGateway } from '@actions-gateway/core';
import type { ControllerMetrics } from '@actions-gateway/metrics';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RuntimeLogger } from '../runtime/logger.js';
import type { KubeObject } from '../runtime/object.js';
import type { ObjectWriter } from './kube-objects.js';

/** Applies `cidrs` to each gateway's proxy NetworkPolicy; per-gateway errors are logged, not thrown. */
export async function applyCidrsToGateways(
  gateways: readonly (ActionsGateway & KubeObject)[],
  cidrs: readonly string[],
  writer: ObjectWriter,
  metrics: ControllerMetrics,
  log: RuntimeLogger,
): Promise<void> {
  for (const raw of gateways) {
    if (raw.metadata?.deletionTimestamp) continue;
    const namespace = raw.metadata?.namespace ?? '';
    try {
      const ag = applyActionsGatewayDefaults(raw);
      if (ag.spec.proxy.managedNetworkPolicy === false) continue;
      const existing = await writer.read({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace, name: TenantNames.proxy });
      if (!existing) continue;
      await writer.apply(buildProxyNetworkPolicy(ag, ag.spec.proxy, cidrs) as KubernetesObject);
      metrics.ipRangeUpdates.inc({ namespace });
    } catch (err) {
      log.warn({ err, namespace, name: raw.metadata?.name }, 'updating the proxy NetworkPolicy with GitHub ranges failed');
    }
  }
}
