// The three tenant NetworkPolicies (gag-system §3.4), with this product's ports: AGC metrics on 8080 and proxy
// metrics on its health port 8081, both admitted only from namespaces labelled `metrics=enabled`.
import type { KubeObject } from '../api/kube-types.js';
import type { ActionsGateway, DefaultedProxySpec } from '../api/types.js';
import { Labels, TenantNames } from '../naming/names.js';
import { agcSelector } from './agc.js';
import { managedMeta } from './meta.js';
import { AGC_METRICS_PORT, HEALTH_PORT, PROXY_PORT } from './ports.js';
import { proxySelector } from './proxy.js';

const workloadSelector = { [Labels.component]: Labels.componentWorkload };

/** DNS to kube-dns, or to NodeLocal DNSCache on link-local. */
function dnsRule(): Record<string, unknown> {
  return {
    to: [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
      { ipBlock: { cidr: '169.254.0.0/16' } },
    ],
    ports: [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ],
  };
}

function metricsScrape(port: number): Record<string, unknown> {
  return { from: [{ namespaceSelector: { matchLabels: { metrics: 'enabled' } } }], ports: [{ protocol: 'TCP', port }] };
}

function policy(ag: ActionsGateway, name: string, podSelector: Record<string, string>, ingress: unknown[], egress: unknown[]): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: managedMeta(ag, name),
    spec: { podSelector: { matchLabels: { ...podSelector } }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
  };
}

/**
 * `actions-gateway-proxy`: egress DNS plus 443 to each GitHub CIDR (left out when `managedNetworkPolicy` is
 * false or the CIDR list is still empty); ingress 8080 from workload pods and metrics scrapes on 8081.
 */
export function buildProxyNetworkPolicy(ag: ActionsGateway, proxy: DefaultedProxySpec, gitHubCidrs: readonly string[]): KubeObject {
  const egress: unknown[] = [dnsRule()];
  if (proxy.managedNetworkPolicy && gitHubCidrs.length > 0) {
    egress.push({ to: gitHubCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 443 }] });
  }
  const ingress = [
    { from: [{ podSelector: { matchLabels: { ...workloadSelector } } }], ports: [{ protocol: 'TCP', port: PROXY_PORT }] },
    metricsScrape(HEALTH_PORT),
  ];
  return policy(ag, TenantNames.proxy, proxySelector, ingress, egress);
}

/** `actions-gateway-workload` (AGC and worker pods): no ingress; egress DNS and the proxy pods on 8080. */
export function buildWorkloadNetworkPolicy(ag: ActionsGateway): KubeObject {
  const toProxy = { to: [{ podSelector: { matchLabels: { ...proxySelector } } }], ports: [{ protocol: 'TCP', port: PROXY_PORT }] };
  return policy(ag, TenantNames.workloadNetworkPolicy, workloadSelector, [], [dnsRule(), toProxy]);
}

/** `actions-gateway-controller`: metrics scrapes on 8080; egress DNS and 443/6443 anywhere (the API server). */
export function buildControllerNetworkPolicy(ag: ActionsGateway): KubeObject {
  const apiServer = { ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] };
  return policy(ag, TenantNames.controller, agcSelector, [metricsScrape(AGC_METRICS_PORT)], [dnsRule(), apiServer]);
}
