import { ExponentialBackoff } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import type { InstallationToken } from './app-auth.js';

/** Why a refresh ran. */
export type RefreshReason = 'initial' | 'scheduled' | 'unauthorized' | 'expired';

/** Settings of an {@link InstallationTokenManager}. */
export interface TokenManagerOptions {
  /** Fetches a fresh token (normally `GitHubAppAuth.installationToken(id)`). */
  readonly fetch: (signal?: AbortSignal) => Promise<InstallationToken>;
  readonly clock?: Clock;
  /** Refresh this long before `expires_at`. Default 5 min. */
  readonly refreshLeadMs?: number;
  /** Least time between two refreshes, so an `expires_at` already inside the lead cannot hot-loop. Default 30 s. */
  readonly minRefreshIntervalMs?: number;
  /** Back-off after a failed refresh: doubles from this… Default 5 s. */
  readonly errorBackoffInitialMs?: number;
  /** …up to this. Default 60 s. */
  readonly errorBackoffMaxMs?: number;
  /** Called after each successful refresh (wire to `token_refreshes_total`). */
  readonly onRefresh?: (event: { readonly reason: RefreshReason; readonly expiresAt: number }) => void;
  /** Called after each failed refresh (wire to `token_refresh_errors_total`). */
  readonly onRefreshError?: (error: unknown, reason: RefreshReason) => void;
}

/** Something that hands out a bearer token and can replace one the server refused. */
export interface TokenSource {
  token(signal?: AbortSignal): Promise<string>;
  /** Called after a 401 with the token that was refused; resolves to a token worth one retry. */
  refreshAfterUnauthorized(rejected: string, signal?: AbortSignal): Promise<string>;
}

/**
 * Keeps an installation token fresh in the background: refreshes `refreshLeadMs` before expiry (never more
 * often than `minRefreshIntervalMs`), backs off 5 s → 60 s on errors, and refreshes at once when a caller
 * reports a 401. Readers get the cached token without touching the network; they wait only when there is no
 * valid token at all (before the first fetch, or after expiry).
 */
export class InstallationTokenManager implements TokenSource {
  readonly #o: TokenManagerOptions;
  readonly #clock: Clock;
  readonly #lead: number;
  readonly #floor: number;
  readonly #backoff: ExponentialBackoff;
  #current: InstallationToken | undefined;
  #lastRefreshAt = Number.NEGATIVE_INFINITY;
  /** No fetch before this after a failed one (the error back-off), whoever asks: the loop, a 401, a reader. */
  #retryAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<string> | undefined;
  #stop: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: TokenManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#lead = options.refreshLeadMs ?? 5 * 60_000;
    this.#floor = options.minRefreshIntervalMs ?? 30_000;
    this.#backoff = new ExponentialBackoff(options.errorBackoffInitialMs ?? 5_000, options.errorBackoffMaxMs ?? 60_000);
  }

  /** The cached token if it is still valid; never waits and never calls the network. */
  current(): string | undefined {
    const t = this.#current;
    return t !== undefined && t.expiresAt > this.#clock.now() ? t.token : undefined;
  }

  /** When the cached token expires (epoch ms), if there is one. */
  get expiresAt(): number | undefined {
    return this.#current?.expiresAt;
  }

  /** The cached token, or the outcome of the refresh that is (or is now) in flight. */
  async token(signal?: AbortSignal): Promise<string> {
    const cached = this.current();
    if (cached !== undefined) return cached;
    if (!this.#inflight) await this.#untilRetry(signal);
    return this.current() ?? this.#refresh(this.#current === undefined ? 'initial' : 'expired', signal);
  }

  /** After a 401: one refresh shared by every caller that saw the same token refused. */
  async refreshAfterUnauthorized(rejected: string, signal?: AbortSignal): Promise<string> {
    const cached = this.current();
    if (cached !== undefined && cached !== rejected) return cached; // someone already replaced it
    if (this.#inflight) return this.#inflight;
    const wait = this.#lastRefreshAt + this.#floor - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait, signal);
    await this.#untilRetry(signal);
    const replaced = this.current();
    if (replaced !== undefined && replaced !== rejected) return replaced;
    return this.#refresh('unauthorized', signal);
  }

  /**
   * Waits out the back-off of a failed fetch. Without it every caller meeting a 401 or an expired token
   * during a token-endpoint outage fetched again at once: thousands of calls in ten minutes.
   */
  async #untilRetry(signal?: AbortSignal): Promise<void> {
    for (let wait = this.#retryAt - this.#clock.now(); wait > 0 && !this.#inflight; wait = this.#retryAt - this.#clock.now()) {
      await this.#clock.sleep(wait, signal);
    }
  }

  /** Starts the background refresh loop (idempotent). */
  start(): void {
    if (this.#loop) return;
    this.#stop = new AbortController();
    this.#loop = this.#run(this.#stop.signal);
  }

  /** Stops the loop; the cached token stays readable until it expires. */
  async stop(): Promise<void> {
    this.#stop?.abort(new Error('token manager stopped'));
    await this.#loop;
    this.#loop = undefined;
  }

  #refresh(reason: RefreshReason, signal?: AbortSignal): Promise<string> {
    this.#inflight ??= (async () => {
      try {
        const fresh = await this.#o.fetch(signal);
        this.#current = fresh;
        this.#lastRefreshAt = this.#clock.now();
        this.#retryAt = Number.NEGATIVE_INFINITY;
        this.#backoff.reset();
        this.#o.onRefresh?.({ reason, expiresAt: fresh.expiresAt });
        return fresh.token;
      } catch (error) {
        this.#retryAt = this.#clock.now() + this.#backoff.next();
        this.#o.onRefreshError?.(error, reason);
        throw error;
      } finally {
        this.#inflight = undefined;
      }
    })();
    return this.#inflight;
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let wait: number;
      const due = this.#current === undefined ? 0 : Math.max(this.#current.expiresAt - this.#lead, this.#lastRefreshAt + this.#floor);
      if (this.#clock.now() >= due) {
        try {
          await untilAborted(this.#refresh(this.#current === undefined ? 'initial' : 'scheduled', signal), signal);
          continue;
        } catch {
          if (signal.aborted) return;
          wait = Math.max(0, this.#retryAt - this.#clock.now());
        }
      } else {
        wait = due - this.#clock.now();
      }
      try {
        await this.#clock.sleep(wait, signal);
      } catch {
        return;
      }
    }
  }
}

/** A token that never changes (a PAT in tests, or a token the host manages itself). */
export function staticToken(token: string): TokenSource {
  return { token: () => Promise.resolve(token), refreshAfterUnauthorized: () => Promise.resolve(token) };
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (stop must not wait on a hung fetch). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
