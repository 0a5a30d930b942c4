// A small NetworkPolicy evaluator for the deploy tests: does a policy set admit a connection from a source to
// a pod's port? It follows networking.k8s.io/v1 semantics for what the shipped manifests use: pod selection,
// ingress rules OR'd, peers OR'd, namespaceSelector AND podSelector within a peer, ipBlock, named and numbered
// ports, TCP by default.

/** A label selector (matchLabels and matchExpressions). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

interface Peer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}

/** The parts of a NetworkPolicy the evaluator reads. */
export interface NetworkPolicy {
  metadata: { name: string; namespace?: string };
  spec: { podSelector: LabelSelector; policyTypes?: string[]; ingress?: { from?: Peer[]; ports?: PolicyPort[] }[] };
}

/** Where a connection comes from: a pod (in a namespace with labels) or an address outside the pod network. */
export type Source =
  | { kind: 'pod'; namespace: string; namespaceLabels: Record<string, string>; podLabels: Record<string, string>; ip: string }
  | { kind: 'host'; ip: string };

/** The pod being connected to, with its container ports (for named ports). */
export interface Destination {
  namespace: string;
  labels: Record<string, string>;
  containerPorts: { name?: string; containerPort: number; protocol?: string }[];
}

/** True when `labels` satisfy `selector` (an empty selector selects everything). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(value!))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(value!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ipv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (ipv4(ip) & mask) === (ipv4(base!) & mask);
}

function peerAdmits(peer: Peer, policyNamespace: string, source: Source): boolean {
  if (peer.ipBlock) return inCidr(source.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(source.ip, c));
  if (source.kind !== 'pod') return false;
  const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, source.namespaceLabels) : source.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector, source.podLabels);
}

function portAdmits(ports: PolicyPort[] | undefined, destination: Destination, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'number' ? p.port : destination.containerPorts.find((c) => c.name === p.port && (c.protocol ?? 'TCP') === protocol)?.containerPort;
    if (number === undefined) return false;
    return p.endPort !== undefined ? port >= number && port <= p.endPort : port === number;
  });
}

/**
 * Whether the policies in the destination's namespace admit `source` → `destination:port`. A pod that no
 * Ingress policy selects admits everything; once selected, only what some rule allows.
 */
export function ingressAllowed(policies: readonly NetworkPolicy[], source: Source, destination: Destination, port: number, protocol = 'TCP'): boolean {
  const governing = policies.filter(
    (p) =>
      (p.metadata.namespace ?? '') === destination.namespace &&
      selects(p.spec.podSelector, destination.labels) &&
      (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'),
  );
  if (governing.length === 0) return true;
  return governing.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerAdmits(peer, destination.namespace, source))) &&
        portAdmits(rule.ports, destination, port, protocol),
    ),
  );
}
