/** The `gmc` command line (controller-runtime style) and its validation. */
import { parseBindAddress, type BindAddress } from '../http/bind-address.js';
import { parseFlags, type FlagSpec } from '../cli/flags.js';
import { validateLeaderElectionTimings, type LeaderElectionTimings } from '../runtime/leader-election.js';
import { loggerOptionsFromZap } from '../logging/zap-flags.js';
import type { LoggerOptions } from '../logging/logger.js';

/** Every gmc flag, its default and help. */
export const gmcFlagSpecs = {
  'metrics-bind-address': { type: 'string', default: ':8080', help: 'The address the metrics endpoint binds to. Use "0" to disable it.' },
  'health-probe-bind-address': { type: 'string', default: ':8081', help: 'The address the probe endpoint binds to.' },
  'leader-elect': { type: 'boolean', default: false, help: 'Enable leader election; only one gmc replica reconciles at a time.' },
  'leader-elect-lease-duration': { type: 'duration', default: '15s', help: 'How long a non-leader waits after the last observed renewal before taking over.' },
  'leader-elect-renew-deadline': { type: 'duration', default: '10s', help: 'How long the leader keeps retrying a renewal before it stops leading.' },
  'leader-elect-retry-period': { type: 'duration', default: '2s', help: 'How often candidates try to acquire or renew the lease.' },
  'webhook-bind-address': { type: 'string', default: ':9443', help: 'The address the validating webhook binds to. Use "0" to disable it.' },
  'webhook-cert-path': { type: 'string', default: '/tmp/k8s-webhook-server/serving-certs', help: 'Directory holding the webhook serving certificate.' },
  'webhook-cert-name': { type: 'string', default: 'tls.crt', help: 'Webhook certificate file name.' },
  'webhook-cert-key': { type: 'string', default: 'tls.key', help: 'Webhook key file name.' },
  'allow-agc-extra-env': { type: 'boolean', default: false, help: 'Forward every AGC_EXTRA_<NAME>=v of the gmc env to AGC Deployments as <NAME>=v (testing only).' },
  'allowed-priority-classes': { type: 'string', default: '', help: 'Comma-separated PriorityClasses runner group tiers may name; empty forbids every tier.' },
  'allow-privileged-workers': { type: 'boolean', default: false, help: 'Let gateways with securityProfile privileged run privileged worker containers.' },
  'allow-floating-image-tags': { type: 'boolean', default: false, help: 'Accept AGC_IMAGE, PROXY_IMAGE and WORKER_IMAGE without an @sha256 digest.' },
  'github-api-url': { type: 'string', default: 'https://api.github.com', help: 'GitHub API base URL; its /meta lists the egress ranges.' },
  kubeconfig: { type: 'string', help: 'Path to a kubeconfig; in-cluster or $KUBECONFIG when absent.' },
  'zap-devel': { type: 'boolean', default: false, help: 'Development mode: human-readable console logs at debug level.' },
  'zap-encoder': { type: 'string', help: 'Log encoding: json or console.' },
  'zap-log-level': { type: 'string', help: 'Log level: debug, info, error, or an integer > 0 for more verbosity.' },
} satisfies Record<string, FlagSpec>;

/** The validated gmc configuration. */
export interface GmcConfig {
  readonly metrics: BindAddress | undefined;
  readonly health: BindAddress | undefined;
  readonly webhook: BindAddress | undefined;
  readonly webhookCert: { dir: string; certName: string; keyName: string };
  readonly leaderElect: boolean;
  readonly leaderElection: LeaderElectionTimings;
  readonly allowAgcExtraEnv: boolean;
  readonly allowedPriorityClasses: string[];
  readonly allowPrivilegedWorkers: boolean;
  readonly gitHubApiUrl: string;
  readonly kubeconfig: string | undefined;
  readonly log: Pick<LoggerOptions, 'level' | 'encoder'>;
  readonly agcImage: string;
  readonly proxyImage: string;
  /** `WORKER_IMAGE`, handed to every AGC; unset leaves the AGC on core's default runner image. */
  readonly workerImage: string | undefined;
  readonly podNamespace: string | undefined;
  readonly enableWebhooks: boolean;
}

const digestPinned = /@sha256:[0-9a-f]{64}$/;

/** Parses and validates argv and env; throws a one-line error naming the flag or variable. */
export function parseGmcConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): GmcConfig | { help: string } {
  const parsed = parseFlags(argv, 'gmc', 'gmc: the Actions Gateway manager controller (reconciles ActionsGateway, serves the validating webhook).', gmcFlagSpecs);
  if (parsed.help) return { help: parsed.text };
  const v = parsed.values;
  const leaderElection = {
    leaseDurationMs: v['leader-elect-lease-duration'],
    renewDeadlineMs: v['leader-elect-renew-deadline'],
    retryPeriodMs: v['leader-elect-retry-period'],
  };
  validateLeaderElectionTimings(leaderElection);
  const apiUrl = v['github-api-url'] ?? '';
  if (!/^https?:\/\/[^/\s]+/.test(apiUrl)) throw new Error(`--github-api-url: "${apiUrl}" is not an http(s) URL`);
  const images: Record<string, string> = {};
  for (const name of ['AGC_IMAGE', 'PROXY_IMAGE']) {
    const value = env[name]?.trim() ?? '';
    if (value === '') throw new Error(`${name} must be set to the image reference`);
    if (!v['allow-floating-image-tags'] && !digestPinned.test(value)) {
      throw new Error(`${name}: "${value}" must end in @sha256:<64 lowercase hex> (or pass --allow-floating-image-tags)`);
    }
    images[name] = value;
  }
  const workerImage = env['WORKER_IMAGE']?.trim() || undefined;
  if (workerImage !== undefined && !v['allow-floating-image-tags'] && !digestPinned.test(workerImage)) {
    throw new Error(`WORKER_IMAGE: "${workerImage}" must end in @sha256:<64 lowercase hex> (or pass --allow-floating-image-tags)`);
  }
  return {
    metrics: parseBindAddress(v['metrics-bind-address'] ?? '', '--metrics-bind-address'),
    health: parseBindAddress(v['health-probe-bind-address'] ?? '', '--health-probe-bind-address'),
    webhook: parseBindAddress(v['webhook-bind-address'] ?? '', '--webhook-bind-address'),
    webhookCert: { dir: v['webhook-cert-path'] ?? '', certName: v['webhook-cert-name'] ?? 'tls.crt', keyName: v['webhook-cert-key'] ?? 'tls.key' },
    leaderElect: v['leader-elect'],
    leaderElection,
    allowAgcExtraEnv: v['allow-agc-extra-env'],
    allowedPriorityClasses: (v['allowed-priority-classes'] ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    allowPrivilegedWorkers: v['allow-privileged-workers'],
    gitHubApiUrl: apiUrl,
    kubeconfig: v.kubeconfig,
    log: loggerOptionsFromZap({
      zapDevel: v['zap-devel'],
      ...(v['zap-encoder'] !== undefined ? { zapEncoder: v['zap-encoder'] } : {}),
      ...(v['zap-log-level'] !== undefined ? { zapLogLevel: v['zap-log-level'] } : {}),
    }),
    agcImage: images['AGC_IMAGE']!,
    proxyImage: images['PROXY_IMAGE']!,
    workerImage,
    podNamespace: env['POD_NAMESPACE']?.trim() || undefined,
    enableWebhooks: env['ENABLE_WEBHOOKS'] !== 'false',
  };
}
