/**
 * The `agc` command line and environment (the AGC contract): controller-runtime style flags, the env the
 * GMC sets (`core/src/gateway/agc-env.ts`), validated into one {@link AgcConfig}. Every error is one line
 * naming the flag or variable; the bin prints it and exits 2.
 */
import { parseGitHubUrl, type GitHubTarget } from '@actions-gateway/broker-client';
import { RUNNER_VERSION, type SecurityProfile } from '@actions-gateway/core';
import { parseFlags, type FlagSpec } from '../../cli/flags.js';
import { parseBindAddress, type BindAddress } from '../../http/bind-address.js';
import type { LoggerOptions } from '../../logging/logger.js';
import { loggerOptionsFromZap } from '../../logging/zap-flags.js';
import { DEFAULT_REGISTRATION_CONCURRENCY } from '../classic/agent-pool.js';

/** Where the GMC mounts the tenant's GitHub App Secret. */
export const DEFAULT_GITHUB_APP_DIR = '/etc/actions-gateway/github-app';
/** Where the GMC mounts the egress proxy's certificate. */
export const DEFAULT_PROXY_CA_FILE = '/etc/actions-gateway/proxy-ca/tls.crt';

/** The most `--registration-concurrency` allows (GitHub's secondary rate limits bite long before). */
export const MAX_REGISTRATION_CONCURRENCY = 256;

/** Every agc flag, its default and help. */
export const agcFlagSpecs = {
  'metrics-bind-address': { type: 'string', default: ':8080', help: 'The address the metrics endpoint binds to. Use "0" to disable it.' },
  'health-probe-bind-address': { type: 'string', default: ':8081', help: 'The address the probe endpoint binds to.' },
  kubeconfig: { type: 'string', help: 'Path to a kubeconfig; in-cluster or $KUBECONFIG when absent.' },
  'github-app-dir': { type: 'string', default: DEFAULT_GITHUB_APP_DIR, help: 'Directory holding the GitHub App files appId, installationId and privateKey.' },
  'proxy-ca-file': { type: 'string', default: DEFAULT_PROXY_CA_FILE, help: 'CA certificate trusted for the TLS hop to the egress proxy (ignored when the file is absent).' },
  'registration-concurrency': {
    type: 'string',
    default: String(DEFAULT_REGISTRATION_CONCURRENCY),
    help: `Classic tier: agent registrations (and removals) at GitHub in flight at once across all RunnerGroups, 1 to ${MAX_REGISTRATION_CONCURRENCY}. Every classic job spends one agent, so this bounds jobs per second.`,
  },
  'zap-devel': { type: 'boolean', default: false, help: 'Development mode: human-readable console logs at debug level.' },
  'zap-encoder': { type: 'string', help: 'Log encoding: json or console.' },
  'zap-log-level': { type: 'string', help: 'Log level: debug, info, error, or an integer > 0 for more verbosity.' },
} satisfies Record<string, FlagSpec>;

/** The proxy settings of GitHub-bound calls (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`; lower-case forms too). */
export interface AgcProxyEnv {
  readonly httpProxy: string | undefined;
  readonly httpsProxy: string | undefined;
  readonly noProxy: string | undefined;
}

/** The validated agc configuration. */
export interface AgcConfig {
  readonly metrics: BindAddress | undefined;
  readonly health: BindAddress | undefined;
  readonly kubeconfig: string | undefined;
  readonly githubAppDir: string;
  readonly proxyCaFile: string;
  readonly log: Pick<LoggerOptions, 'level' | 'encoder'>;
  /** `POD_NAMESPACE`: the only namespace this AGC watches and writes. */
  readonly namespace: string;
  /** `GITHUB_ORG_URL` parsed, with the REST base from `GITHUB_API_BASE_URL` or derived. */
  readonly github: GitHubTarget;
  readonly proxy: AgcProxyEnv;
  readonly workerServiceAccount: string | undefined;
  readonly proxyTlsSecretName: string | undefined;
  readonly securityProfile: SecurityProfile;
  readonly runnerVersion: string;
  readonly workerImage: string | undefined;
  /** `GITHUB_RUNNER_GROUP_ID`: the GitHub runner group agents register in (default 1). */
  readonly runnerGroupId: number;
  /** `--registration-concurrency`: the classic tier's agent registrations in flight at once. */
  readonly registrationConcurrency: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function optional(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function required(env: Env, name: string, what: string): string {
  const v = optional(env, name);
  if (v === undefined) throw new Error(`${name} must be set to ${what}`);
  return v;
}

function proxyUrl(env: Env, name: string): string | undefined {
  const v = optional(env, name) ?? optional(env, name.toLowerCase());
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`${name}: "${v}" is not a URL (want e.g. https://actions-gateway-proxy.team-a.svc.cluster.local:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name}: "${v}" must be an http or https URL`);
  return v;
}

const profiles: readonly SecurityProfile[] = ['privileged', 'baseline', 'restricted'];

/** Parses and validates argv and env; throws a one-line error naming the flag or variable. */
export function parseAgcConfig(argv: readonly string[], env: Env): AgcConfig | { help: string } {
  const parsed = parseFlags(argv, 'agc', 'agc: the Actions Gateway controller of one tenant (RunnerGroup listeners, worker pods, reaper).', agcFlagSpecs);
  if (parsed.help) return { help: parsed.text };
  const v = parsed.values;
  const log = loggerOptionsFromZap({
    zapDevel: v['zap-devel'],
    ...(v['zap-encoder'] !== undefined ? { zapEncoder: v['zap-encoder'] } : {}),
    ...(v['zap-log-level'] !== undefined ? { zapLogLevel: v['zap-log-level'] } : {}),
  });
  const metrics = parseBindAddress(v['metrics-bind-address'] ?? '', '--metrics-bind-address');
  const health = parseBindAddress(v['health-probe-bind-address'] ?? '', '--health-probe-bind-address');
  const concurrencyRaw = (v['registration-concurrency'] ?? '').trim();
  const registrationConcurrency = Number(concurrencyRaw);
  if (!/^\d+$/.test(concurrencyRaw) || registrationConcurrency < 1 || registrationConcurrency > MAX_REGISTRATION_CONCURRENCY) {
    throw new Error(`--registration-concurrency: "${concurrencyRaw}" is not a whole number from 1 to ${MAX_REGISTRATION_CONCURRENCY}`);
  }
  const githubAppDir = v['github-app-dir'] ?? '';
  if (githubAppDir.trim() === '') throw new Error('--github-app-dir: must not be empty');

  const namespace = required(env, 'POD_NAMESPACE', 'the namespace the AGC runs in');
  const orgUrl = required(env, 'GITHUB_ORG_URL', 'the GitHub organization or repository URL (e.g. https://github.com/my-org)');
  const apiBase = optional(env, 'GITHUB_API_BASE_URL');
  let github: GitHubTarget;
  try {
    github = parseGitHubUrl(orgUrl, { field: 'GITHUB_ORG_URL', ...(apiBase !== undefined && { apiBaseUrl: apiBase }) });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? '';
    if (/^apiBaseUrl: /.test(message)) throw new Error(`GITHUB_API_BASE_URL: ${message.slice('apiBaseUrl: '.length)}`, { cause: err });
    throw new Error(message.startsWith('GITHUB_ORG_URL') ? message : `GITHUB_ORG_URL: ${message}`, { cause: err });
  }
  const profile = optional(env, 'SECURITY_PROFILE') ?? 'baseline';
  if (!profiles.includes(profile as SecurityProfile)) throw new Error(`SECURITY_PROFILE: "${profile}" is not one of ${profiles.join(', ')}`);
  const groupIdRaw = optional(env, 'GITHUB_RUNNER_GROUP_ID') ?? '1';
  if (!/^\d+$/.test(groupIdRaw) || Number(groupIdRaw) < 1 || !Number.isSafeInteger(Number(groupIdRaw))) {
    throw new Error(`GITHUB_RUNNER_GROUP_ID: "${groupIdRaw}" is not a positive integer`);
  }
  const runnerVersion = optional(env, 'GITHUB_RUNNER_VERSION') ?? RUNNER_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(runnerVersion)) throw new Error(`GITHUB_RUNNER_VERSION: "${runnerVersion}" is not a version like ${RUNNER_VERSION}`);

  return {
    metrics,
    health,
    kubeconfig: v.kubeconfig,
    githubAppDir,
    proxyCaFile: v['proxy-ca-file'] ?? DEFAULT_PROXY_CA_FILE,
    log,
    namespace,
    github,
    proxy: { httpProxy: proxyUrl(env, 'HTTP_PROXY'), httpsProxy: proxyUrl(env, 'HTTPS_PROXY'), noProxy: optional(env, 'NO_PROXY') ?? optional(env, 'no_proxy') },
    workerServiceAccount: optional(env, 'WORKER_SERVICE_ACCOUNT'),
    proxyTlsSecretName: optional(env, 'PROXY_TLS_SECRET_NAME'),
    securityProfile: profile as SecurityProfile,
    runnerVersion,
    workerImage: optional(env, 'WORKER_IMAGE'),
    runnerGroupId: Number(groupIdRaw),
    registrationConcurrency,
  };
}
