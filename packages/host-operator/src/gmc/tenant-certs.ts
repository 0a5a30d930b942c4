/** Keeps a tenant's certificates: reuse what the Secrets hold while valid, regenerate otherwise (§3.6). */
import type { GatewayCertificates } from '@actions-gateway/core';
import type { KubernetesObject } from '@kubernetes/client-node';
import { certNeedsRenewal, generateMetricsBundle, generateProxyCert } from './certs.js';
import type { ObjectWriter } from './kube-objects.js';

type SecretData = Record<string, string | undefined>;

async function secretData(writer: ObjectWriter, namespace: string, name: string): Promise<SecretData | undefined> {
  const secret = await writer.read<KubernetesObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  if (!secret?.data) return undefined;
  const out: SecretData = {};
  for (const [k, v] of Object.entries(secret.data)) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/** The tenant's certificates, regenerating the proxy leaf or the metrics bundle when missing or near expiry. */
export async function tenantCertificates(writer: ObjectWriter, namespace: string, now = new Date()): Promise<GatewayCertificates> {
  const [proxy, metricsServer, metricsClient] = await Promise.all([
    secretData(writer, namespace, 'actions-gateway-proxy-tls'),
    secretData(writer, namespace, 'actions-gateway-metrics-tls'),
    secretData(writer, namespace, 'actions-gateway-metrics-client'),
  ]);
  const kept =
    metricsServer?.['tls.crt'] && metricsServer['tls.key'] && metricsServer['ca.crt'] && metricsClient?.['tls.crt'] && metricsClient['tls.key'] && !certNeedsRenewal(metricsServer['tls.crt'], now)
      ? {
          metricsServer: { certPem: metricsServer['tls.crt'], keyPem: metricsServer['tls.key'], caPem: metricsServer['ca.crt'] },
          metricsClient: { certPem: metricsClient['tls.crt'], keyPem: metricsClient['tls.key'], caPem: metricsServer['ca.crt'] },
        }
      : undefined;
  // A new tenant needs both: their RSA keys are made side by side rather than one after the other.
  const [proxyPair, metrics] = await Promise.all([
    proxy?.['tls.crt'] && proxy['tls.key'] && !certNeedsRenewal(proxy['tls.crt'], now)
      ? { certPem: proxy['tls.crt'], keyPem: proxy['tls.key'] }
      : generateProxyCert(namespace, now).then((p) => ({ certPem: p.cert, keyPem: p.key })),
    kept ??
      generateMetricsBundle(namespace, now).then((bundle) => ({
        metricsServer: { certPem: bundle.server.cert, keyPem: bundle.server.key, caPem: bundle.ca },
        metricsClient: { certPem: bundle.client.cert, keyPem: bundle.client.key, caPem: bundle.ca },
      })),
  ]);
  return { proxy: proxyPair, ...metrics };
}
