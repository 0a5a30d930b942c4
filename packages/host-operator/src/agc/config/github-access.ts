/**
 * The AGC's way to GitHub: the App's installation tokens (signed App JWT → installation token, refreshed in
 * the background and counted in `token_refreshes_total` / `token_refresh_errors_total`), the REST client, and
 * the proxy-routed dispatcher every call shares.
 */
import { GitHubAppAuth, GitHubRestClient, InstallationTokenManager, type HttpOptions } from '@actions-gateway/broker-client';
import type { ControllerMetrics } from '@actions-gateway/metrics';
import type { Dispatcher } from 'undici';
import type { RuntimeLogger } from '../../runtime/logger.js';
import type { GitHubAccess } from '../listener/group-listener.js';
import type { AppCredentialFiles } from './credentials.js';
import type { AgcConfig } from './flags.js';

/** What {@link createGitHubAccess} builds: the seam's {@link GitHubAccess} plus what the host manages. */
export interface AgcGitHub {
  readonly access: GitHubAccess;
  readonly tokens: InstallationTokenManager;
  readonly rest: GitHubRestClient;
  /** Resolves when the first installation token arrived (the manager keeps retrying until then). */
  readonly firstToken: Promise<void>;
}

/** How the GitHub side is wired. */
export interface GitHubAccessOptions {
  readonly config: Pick<AgcConfig, 'github' | 'runnerVersion' | 'namespace'>;
  readonly credentials: AppCredentialFiles;
  readonly dispatcher: Dispatcher;
  readonly metrics: Pick<ControllerMetrics, 'tokenRefreshes' | 'tokenRefreshErrors'>;
  readonly logger: RuntimeLogger;
}

/** GitHub REST calls (installation token, reruns, registration) must answer within 60 s (gag-system §1.2). */
const REST_DEADLINE_MS = 60_000;

/** Builds the token manager (not started), the REST client and the tiers' {@link GitHubAccess}. */
export function createGitHubAccess(options: GitHubAccessOptions): AgcGitHub {
  const { config, credentials, metrics, logger } = options;
  const http: HttpOptions = { dispatcher: options.dispatcher, headersTimeoutMs: REST_DEADLINE_MS, deadlineMs: REST_DEADLINE_MS };
  const auth = new GitHubAppAuth({ appId: credentials.appId, privateKey: credentials.privateKey }, config.github.apiBaseUrl, { http });
  const labels = { namespace: config.namespace };
  let arrived: () => void = () => undefined;
  const firstToken = new Promise<void>((resolve) => (arrived = resolve));
  const tokens = new InstallationTokenManager({
    fetch: (signal) => auth.installationToken(credentials.installationId, signal),
    onRefresh: ({ reason, expiresAt }) => {
      metrics.tokenRefreshes.inc(labels);
      arrived();
      logger.info({ reason, expiresAt: new Date(expiresAt).toISOString() }, 'installation token refreshed');
    },
    onRefreshError: (err, reason) => {
      metrics.tokenRefreshErrors.inc(labels);
      logger.warn({ reason, err }, 'installation token refresh failed');
    },
  });
  const rest = new GitHubRestClient(config.github.apiBaseUrl, tokens, { http });
  return { access: { target: config.github, tokens, http: { dispatcher: options.dispatcher }, runnerVersion: config.runnerVersion }, tokens, rest, firstToken };
}
