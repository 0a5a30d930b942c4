// The TLS Secret shapes. The GMC generates the certificates; core only places them.
import type { KubeObject } from '../api/kube-types.js';
import type { ActionsGateway } from '../api/types.js';
import { TenantNames } from '../naming/names.js';
import type { GatewayCertificates, TlsBundle, TlsPair } from './inputs.js';
import { managedMeta } from './meta.js';

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function tlsSecret(ag: ActionsGateway, name: string, pair: TlsPair | TlsBundle): KubeObject {
  const data: Record<string, string> = { 'tls.crt': base64(pair.certPem), 'tls.key': base64(pair.keyPem) };
  if ('caPem' in pair) data['ca.crt'] = base64(pair.caPem);
  return { apiVersion: 'v1', kind: 'Secret', metadata: managedMeta(ag, name, { owned: true }), type: 'kubernetes.io/tls', data };
}

/** `actions-gateway-proxy-tls`, `actions-gateway-metrics-tls` and `actions-gateway-metrics-client` (ownerRef to the gateway). */
export function buildTlsSecrets(ag: ActionsGateway, certs: GatewayCertificates): KubeObject[] {
  return [
    tlsSecret(ag, TenantNames.proxyTlsSecret, certs.proxy),
    tlsSecret(ag, TenantNames.metricsTlsSecret, certs.metricsServer),
    tlsSecret(ag, TenantNames.metricsClientSecret, certs.metricsClient),
  ];
}
