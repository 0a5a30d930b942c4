// The tenant AGC: Deployment and metrics Service `actions-gateway-controller`.
import { AGC_RESOURCES } from '../api/defaults.js';
import type { EnvVar, KubeObject } from '../api/kube-types.js';
import type { ActionsGateway, DefaultedActionsGatewaySpec } from '../api/types.js';
import { shortHash } from '../naming/bounded-name.js';
import { GITHUB_APP_SECRET_ANNOTATION, Labels, TenantNames } from '../naming/names.js';
import { agcEnv, type AgcHostEnv } from './agc-env.js';
import type { TlsPair } from './inputs.js';
import { gatewayIdentity, managedMeta } from './meta.js';
import { AGC_METRICS_PORT, HEALTH_PORT } from './ports.js';
import { PROXY_CERT_HASH_ANNOTATION } from './proxy.js';
import { TERMINATION_GRACE_SECONDS, containerSecurityContext, podSecurityContext } from './security.js';

/** The AGC pods' selector (and the label the seed's ServiceMonitor selects the Service by). */
export const agcSelector = { [Labels.app]: TenantNames.controller } as const;

/** Mount paths inside the AGC container. */
export const AgcMounts = {
  gitHubApp: '/etc/actions-gateway/github-app',
  proxyCa: '/etc/actions-gateway/proxy-ca',
} as const;

/** Deployment `actions-gateway-controller`: one replica, Recreate (two AGCs would double every listener). */
export function buildAgcDeployment(
  ag: ActionsGateway & { spec: DefaultedActionsGatewaySpec },
  image: string,
  proxyTls: TlsPair,
  extraEnv: readonly EnvVar[] = [],
  hostEnv: AgcHostEnv = {},
): KubeObject {
  const { namespace } = gatewayIdentity(ag);
  const appSecret = ag.spec.gitHubAppRef.name;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: managedMeta(ag, TenantNames.controller, { owned: true, labels: agcSelector }),
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { ...agcSelector } },
      template: {
        metadata: {
          labels: { ...agcSelector, [Labels.managedBy]: Labels.managedByGmc, [Labels.component]: Labels.componentWorkload },
          // A new Secret name or a renewed proxy certificate changes the template, which rolls the AGC.
          annotations: { [GITHUB_APP_SECRET_ANNOTATION]: appSecret, [PROXY_CERT_HASH_ANNOTATION]: shortHash(proxyTls.certPem) },
        },
        spec: {
          serviceAccountName: TenantNames.controller,
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          volumes: [
            { name: 'github-app-credentials', secret: { secretName: appSecret, defaultMode: 0o440 } },
            { name: 'proxy-ca', secret: { secretName: TenantNames.proxyTlsSecret, items: [{ key: 'tls.crt', path: 'tls.crt' }], defaultMode: 0o444 } },
            { name: 'tmp', emptyDir: {} },
          ],
          containers: [
            {
              name: 'agc',
              image,
              ports: [
                { name: 'metrics', containerPort: AGC_METRICS_PORT, protocol: 'TCP' },
                { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
              ],
              env: agcEnv(ag.spec, namespace, extraEnv, hostEnv),
              resources: { requests: { ...AGC_RESOURCES.requests }, limits: { ...AGC_RESOURCES.limits } },
              securityContext: containerSecurityContext(),
              volumeMounts: [
                { name: 'github-app-credentials', mountPath: AgcMounts.gitHubApp, readOnly: true },
                { name: 'proxy-ca', mountPath: AgcMounts.proxyCa, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
              startupProbe: { httpGet: { path: '/healthz', port: 'health' }, failureThreshold: 30, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 20 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, periodSeconds: 10 },
            },
          ],
        },
      },
    },
  };
}

/** Service `actions-gateway-controller`, labelled `app: actions-gateway-controller`, port `metrics` 8080. */
export function buildAgcService(ag: ActionsGateway): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: managedMeta(ag, TenantNames.controller, { labels: agcSelector }),
    spec: {
      type: 'ClusterIP',
      selector: { ...agcSelector },
      ports: [{ name: 'metrics', port: AGC_METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
    },
  };
}
