import { describe, expect, it } from 'vitest';
import {
  applyActionsGatewayDefaults,
  buildControllerNetworkPolicy,
  buildProxyNetworkPolicy,
  buildWorkloadNetworkPolicy,
  type KubeObject,
} from '../../src/index.js';
import { sampleGateway } from './fixtures.js';

type Spec = { podSelector: unknown; policyTypes: string[]; ingress: Array<Record<string, unknown>>; egress: Array<Record<string, unknown>> };
const spec = (o: KubeObject): Spec => o.spec as Spec;
const cidrs = ['192.30.252.0/22', '2a0a:a440::/29'];

describe('NetworkPolicies', () => {
  const ag = applyActionsGatewayDefaults(sampleGateway());

  it('proxy: DNS plus 443 to every GitHub CIDR (IPv6 included); ingress from workloads and metrics scrapes', () => {
    const np = spec(buildProxyNetworkPolicy(ag, ag.spec.proxy, cidrs));
    expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.egress).toHaveLength(2);
    expect(np.egress[1]).toEqual({ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 443 }] });
    expect(np.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: { 'actions-gateway/component': 'workload' } } }], ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(np.ingress[1]).toEqual({ from: [{ namespaceSelector: { matchLabels: { metrics: 'enabled' } } }], ports: [{ protocol: 'TCP', port: 8081 }] });
  });

  it('proxy: DNS only while the CIDR cache is empty or when managedNetworkPolicy is false', () => {
    expect(spec(buildProxyNetworkPolicy(ag, ag.spec.proxy, [])).egress).toHaveLength(1);
    const unmanaged = applyActionsGatewayDefaults(sampleGateway((a) => (a.spec.proxy = { managedNetworkPolicy: false })));
    expect(spec(buildProxyNetworkPolicy(unmanaged, unmanaged.spec.proxy, cidrs)).egress).toHaveLength(1);
  });

  it('the DNS rule reaches kube-dns and NodeLocal DNSCache on UDP and TCP 53', () => {
    const dns = spec(buildWorkloadNetworkPolicy(ag)).egress[0];
    expect(dns).toEqual({
      to: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
        { ipBlock: { cidr: '169.254.0.0/16' } },
      ],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    });
  });

  it('workload: no ingress at all; egress DNS and the proxy pods on 8080', () => {
    const np = spec(buildWorkloadNetworkPolicy(ag));
    expect(np.ingress).toEqual([]);
    expect(np.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: { app: 'actions-gateway-proxy' } } }], ports: [{ protocol: 'TCP', port: 8080 }] });
  });

  it('controller: metrics scrapes on 8080; egress DNS and 443/6443', () => {
    const np = spec(buildControllerNetworkPolicy(ag));
    expect(np.podSelector).toEqual({ matchLabels: { app: 'actions-gateway-controller' } });
    expect(np.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { metrics: 'enabled' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(np.egress[1]).toEqual({ ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] });
  });
});
