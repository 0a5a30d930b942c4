import type { ProvisionerGroup } from '../../../src/index.js';

/** A RunnerGroup as the provisioner sees it, with the CRD defaults. */
export function testGroup(overrides: Partial<ProvisionerGroup> = {}): ProvisionerGroup {
  return {
    namespace: 'tenant',
    name: 'linux',
    uid: 'rg-uid-1',
    podTemplate: { spec: { containers: [{ name: 'runner' }] } },
    workerImage: 'ghcr.io/actions/actions-runner:2.335.1',
    securityProfile: 'baseline',
    serviceAccountName: 'actions-gateway-worker',
    proxy: {
      httpProxy: 'http://actions-gateway-proxy.tenant.svc.cluster.local:8080',
      httpsProxy: 'http://actions-gateway-proxy.tenant.svc.cluster.local:8080',
      noProxy: 'svc.cluster.local,localhost,127.0.0.1',
      caSecretName: 'actions-gateway-proxy-tls',
    },
    maxEvictionRetries: 2,
    evictionRetryDelayMs: 5_000,
    maxQuotaRetries: 5,
    quotaRetryDelayMs: 30_000,
    completedPodTtlMs: 300_000,
    pendingPodDeadlineMs: 600_000,
    maxWorkerLifetimeMs: 12 * 3_600_000,
    ...overrides,
  };
}

/** An acquire body as the broker returns it (trimmed to what the AGC reads). */
export function jobPayload(runId: string | number | undefined, repository = 'octo/widgets'): string {
  const variables: Record<string, { value: string }> = { 'system.github.repository': { value: repository } };
  if (runId !== undefined) variables['system.github.run_id'] = { value: String(runId) };
  return JSON.stringify({ plan: { planId: 'p' }, variables, secret_token: 'ghs_secretsecretsecret' });
}
