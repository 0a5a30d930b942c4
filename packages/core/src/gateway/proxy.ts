// The tenant egress proxy: Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler.
import { PROXY_RESOURCE_DEFAULTS } from '../api/defaults.js';
import type { KubeObject, ResourceRequirements } from '../api/kube-types.js';
import type { ActionsGateway, DefaultedProxySpec } from '../api/types.js';
import { Labels, TenantNames } from '../naming/names.js';
import { shortHash } from '../naming/bounded-name.js';
import type { TlsPair } from './inputs.js';
import { managedMeta } from './meta.js';
import { HEALTH_PORT, PROXY_PORT } from './ports.js';
import { TERMINATION_GRACE_SECONDS, containerSecurityContext, podSecurityContext } from './security.js';

/** Pod template annotation carrying a hash of the proxy certificate, so a renewed cert rolls the pods. */
export const PROXY_CERT_HASH_ANNOTATION = 'actions-gateway/proxy-cert-hash';
const PROXY_TLS_DIR = '/etc/actions-gateway/proxy-tls';

/** The proxy pods' selector. */
export const proxySelector = { [Labels.app]: TenantNames.proxy } as const;

/** `spec.proxy.resources` merged per key over the defaults. */
export function proxyResources(resources: ResourceRequirements | undefined): Required<ResourceRequirements> {
  return {
    requests: { ...PROXY_RESOURCE_DEFAULTS.requests, ...resources?.requests },
    limits: { ...PROXY_RESOURCE_DEFAULTS.limits, ...resources?.limits },
  };
}

/** Options of {@link buildProxyDeployment}. */
export interface ProxyDeploymentOptions {
  /**
   * true: the object to create, with `spec.replicas = minReplicas`. false: the object to patch, with no
   * `replicas` at all, because after creation the HPA owns the replica count.
   */
  readonly forCreate: boolean;
}

/** Deployment `actions-gateway-proxy`. */
export function buildProxyDeployment(
  ag: ActionsGateway,
  proxy: DefaultedProxySpec,
  image: string,
  proxyTls: TlsPair,
  options: ProxyDeploymentOptions,
): KubeObject {
  const podLabels = { ...proxySelector, [Labels.managedBy]: Labels.managedByGmc };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: managedMeta(ag, TenantNames.proxy, { owned: true, labels: proxySelector }),
    spec: {
      ...(options.forCreate ? { replicas: proxy.minReplicas } : {}),
      selector: { matchLabels: { ...proxySelector } },
      template: {
        metadata: { labels: podLabels, annotations: { [PROXY_CERT_HASH_ANNOTATION]: shortHash(proxyTls.certPem) } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          // Preferred, not required: required anti-affinity leaves replicas Pending once the HPA scales past
          // the node count; spreading is still attempted on every schedule.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...proxySelector } } } },
              ],
            },
          },
          volumes: [
            { name: 'proxy-tls', secret: { secretName: TenantNames.proxyTlsSecret, defaultMode: 0o440 } },
            { name: 'tmp', emptyDir: {} },
          ],
          containers: [
            {
              name: 'proxy',
              image,
              ports: [
                { name: 'proxy', containerPort: PROXY_PORT, protocol: 'TCP' },
                { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
              ],
              env: [
                { name: 'PROXY_PORT', value: String(PROXY_PORT) },
                { name: 'PROXY_HEALTH_PORT', value: String(HEALTH_PORT) },
                { name: 'PROXY_TLS_CERT_FILE', value: `${PROXY_TLS_DIR}/tls.crt` },
                { name: 'PROXY_TLS_KEY_FILE', value: `${PROXY_TLS_DIR}/tls.key` },
              ],
              resources: proxyResources(proxy.resources),
              securityContext: containerSecurityContext(),
              volumeMounts: [
                { name: 'proxy-tls', mountPath: PROXY_TLS_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
              livenessProbe: { httpGet: { path: '/healthz', port: 'health' } },
              readinessProbe: { httpGet: { path: '/readyz', port: 'health' } },
            },
          ],
        },
      },
    },
  };
}

/** Service `actions-gateway-proxy`: `proxy` 8080 (CONNECT over TLS) and `metrics` 8081 (health + metrics). */
export function buildProxyService(ag: ActionsGateway): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: managedMeta(ag, TenantNames.proxy, { labels: proxySelector }),
    spec: {
      type: 'ClusterIP',
      selector: { ...proxySelector },
      ports: [
        { name: 'proxy', port: PROXY_PORT, targetPort: PROXY_PORT, protocol: 'TCP' },
        { name: 'metrics', port: HEALTH_PORT, targetPort: HEALTH_PORT, protocol: 'TCP' },
      ],
    },
  };
}

/** PodDisruptionBudget `actions-gateway-proxy`: minAvailable 1. */
export function buildProxyPdb(ag: ActionsGateway): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: managedMeta(ag, TenantNames.proxy),
    spec: { minAvailable: 1, selector: { matchLabels: { ...proxySelector } } },
  };
}

/** HPA `actions-gateway-proxy` (autoscaling/v2): CPU utilisation between minReplicas and maxReplicas. */
export function buildProxyHpa(ag: ActionsGateway, proxy: DefaultedProxySpec): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: managedMeta(ag, TenantNames.proxy),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: TenantNames.proxy },
      minReplicas: proxy.minReplicas,
      maxReplicas: proxy.maxReplicas,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: proxy.targetCPUUtilizationPercentage } } },
      ],
    },
  };
}
