// The AGC container's env (gag-system §1.2), then spec.tracing, then AGC_EXTRA_* last.
import type { EnvVar } from '../api/kube-types.js';
import type { DefaultedActionsGatewaySpec } from '../api/types.js';
import { TenantNames, proxyServiceHost } from '../naming/names.js';
import { PROXY_PORT } from './ports.js';
import { tracingEnv } from './tracing-env.js';

/** The runner version the AGC registers (`GITHUB_RUNNER_VERSION`). */
export const RUNNER_VERSION = '2.335.1';

/** Always appended to NO_PROXY after the tenant's `noProxyCIDRs`. */
export const MANDATORY_NO_PROXY: readonly string[] = ['svc.cluster.local', 'localhost', '127.0.0.1', '10.96.0.0/12'];

/** Prefix of GMC env forwarded to AGCs when `--allow-agc-extra-env` is set (testing only). */
export const AGC_EXTRA_ENV_PREFIX = 'AGC_EXTRA_';

/**
 * The AGC_EXTRA_* pass-through: every `AGC_EXTRA_<NAME>=v` of `processEnv` becomes `<NAME>=v`, sorted by name.
 * Returns nothing unless `allowed` (the GMC's `--allow-agc-extra-env`).
 */
export function agcExtraEnvFrom(processEnv: Readonly<Record<string, string | undefined>>, allowed: boolean): EnvVar[] {
  if (!allowed) return [];
  return Object.keys(processEnv)
    .filter((k) => k.startsWith(AGC_EXTRA_ENV_PREFIX) && k.length > AGC_EXTRA_ENV_PREFIX.length && processEnv[k] !== undefined)
    .sort()
    .map((k) => ({ name: k.slice(AGC_EXTRA_ENV_PREFIX.length), value: processEnv[k] as string }));
}

/** The proxy URL the AGC and workers use (TLS to the proxy Service). */
export function proxyUrl(namespace: string): string {
  return `https://${proxyServiceHost(namespace)}:${PROXY_PORT}`;
}

/** What the GMC itself adds to every AGC's env. */
export interface AgcHostEnv {
  /** The worker image the GMC was installed with (`WORKER_IMAGE`); a RunnerGroup's `workerImage` still wins. */
  readonly workerImage?: string | undefined;
}

/** The AGC env: fixed entries, OTEL_* from spec.tracing, then `extra` (replacing same-named entries). */
export function agcEnv(spec: DefaultedActionsGatewaySpec, namespace: string, extra: readonly EnvVar[] = [], host: AgcHostEnv = {}): EnvVar[] {
  const proxy = proxyUrl(namespace);
  const base: EnvVar[] = [
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    { name: 'WORKER_SERVICE_ACCOUNT', value: TenantNames.workerServiceAccount },
    { name: 'GITHUB_ORG_URL', value: spec.gitHubURL },
    { name: 'HTTP_PROXY', value: proxy },
    { name: 'HTTPS_PROXY', value: proxy },
    { name: 'NO_PROXY', value: [...(spec.proxy.noProxyCIDRs ?? []), ...MANDATORY_NO_PROXY].join(',') },
    { name: 'PROXY_TLS_SECRET_NAME', value: TenantNames.proxyTlsSecret },
    { name: 'SECURITY_PROFILE', value: spec.securityProfile },
    { name: 'GITHUB_RUNNER_VERSION', value: RUNNER_VERSION },
    ...(host.workerImage ? [{ name: 'WORKER_IMAGE', value: host.workerImage }] : []),
    ...tracingEnv(spec.tracing),
  ];
  // Appended last so it wins; earlier entries of the same name are dropped so the pod spec has one value.
  const overridden = new Set(extra.map((e) => e.name));
  return [...base.filter((e) => !overridden.has(e.name)), ...extra];
}
