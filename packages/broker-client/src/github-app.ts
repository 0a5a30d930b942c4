import type { KeyObject } from 'node:crypto';
import { GitHubAppAuth } from './app-auth.js';
import { systemClock, type Clock } from './clock.js';
import type { HttpOptions } from './http.js';
import { RunnerRegistrar } from './registration.js';
import { GitHubRestClient } from './rest.js';
import { ScaleSetAdminClient } from './scaleset-admin.js';
import { InstallationTokenManager, type TokenManagerOptions } from './token-manager.js';
import { parseGitHubUrl, type GitHubTarget } from './urls.js';

/** Everything needed to act as a GitHub App on one organization or repository. */
export interface GitHubAppOptions {
  /** `https://github.com/my-org`, `https://github.com/owner/repo`, a GHES or `*.ghe.com` equivalent. */
  readonly githubUrl: string;
  readonly appId: string | number;
  readonly privateKey: string | Buffer | KeyObject;
  /** Looked up from the URL (`GET /orgs/{org}/installation`) when absent. */
  readonly installationId?: number;
  /** Override the derived REST base (tests, unusual GHES setups). */
  readonly apiBaseUrl?: string;
  readonly clock?: Clock;
  readonly http?: HttpOptions;
  readonly onRefresh?: TokenManagerOptions['onRefresh'];
  readonly onRefreshError?: TokenManagerOptions['onRefreshError'];
  readonly refreshLeadMs?: number;
  readonly minRefreshIntervalMs?: number;
}

/**
 * A GitHub App wired for one scope: validated URL, App JWT signer, installation-token manager, REST client,
 * runner registrar and scale-set admin client. Bad input (URL, PEM, App id) throws here, at construction.
 */
export class GitHubApp {
  readonly target: GitHubTarget;
  readonly auth: GitHubAppAuth;
  readonly tokens: InstallationTokenManager;
  readonly rest: GitHubRestClient;
  readonly registrar: RunnerRegistrar;
  readonly scaleSets: ScaleSetAdminClient;
  #installationId: number | undefined;

  constructor(options: GitHubAppOptions) {
    const clock = options.clock ?? systemClock;
    this.target = parseGitHubUrl(options.githubUrl, options.apiBaseUrl !== undefined ? { apiBaseUrl: options.apiBaseUrl } : {});
    const http = options.http ?? {};
    this.auth = new GitHubAppAuth({ appId: options.appId, privateKey: options.privateKey }, this.target.apiBaseUrl, { clock, http });
    this.#installationId = options.installationId;
    this.tokens = new InstallationTokenManager({
      clock,
      fetch: async (signal) => {
        this.#installationId ??= await this.auth.findInstallationId(this.target, signal);
        return this.auth.installationToken(this.#installationId, signal);
      },
      ...(options.onRefresh && { onRefresh: options.onRefresh }),
      ...(options.onRefreshError && { onRefreshError: options.onRefreshError }),
      ...(options.refreshLeadMs !== undefined && { refreshLeadMs: options.refreshLeadMs }),
      ...(options.minRefreshIntervalMs !== undefined && { minRefreshIntervalMs: options.minRefreshIntervalMs }),
    });
    this.rest = new GitHubRestClient(this.target.apiBaseUrl, this.tokens, { clock, http });
    this.registrar = new RunnerRegistrar(this.rest, this.target);
    this.scaleSets = new ScaleSetAdminClient(this.rest, this.registrar, this.target, { clock, http });
  }

  /** Starts background token refresh and waits for the first installation token (its error is thrown). */
  async start(signal?: AbortSignal): Promise<void> {
    this.tokens.start();
    await this.tokens.token(signal);
  }

  /** Stops background token refresh. */
  async stop(): Promise<void> {
    await this.tokens.stop();
  }
}
