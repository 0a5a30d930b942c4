import { errorFromResponse, type CallRole } from './classify.js';
import { systemClock, type Clock } from './clock.js';
import { httpSend, type HttpOptions, type HttpResponse } from './http.js';
import { CallGate } from './pacing.js';
import type { TokenSource } from './token-manager.js';
import { joinUrl } from './urls.js';

/** One REST call. */
export interface RestCall {
  readonly operation: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the REST base, e.g. `/orgs/acme/actions/runners`. */
  readonly path: string;
  readonly body?: unknown;
  /** Statuses that count as success; anything else becomes a typed error. */
  readonly ok: readonly number[];
  readonly role?: CallRole;
  readonly signal?: AbortSignal;
}

/**
 * GitHub REST (U1) with an installation token: standard headers, one re-mint-and-retry on 401, and a gate
 * that holds every call until a `Retry-After` has passed.
 */
export class GitHubRestClient {
  readonly #clock: Clock;
  readonly #gate: CallGate;

  constructor(
    readonly apiBaseUrl: string,
    private readonly tokens: TokenSource,
    private readonly options: { readonly clock?: Clock; readonly http?: HttpOptions } = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#gate = new CallGate({ clock: this.#clock, minIntervalMs: 0, backoffOnErrors: false });
  }

  async call(call: RestCall): Promise<HttpResponse> {
    let token = await this.tokens.token(call.signal);
    for (let attempt = 0; ; attempt++) {
      await this.#gate.enter(call.signal);
      const res = await httpSend(this.options.http ?? {}, {
        operation: call.operation,
        method: call.method,
        url: joinUrl(this.apiBaseUrl, call.path),
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          ...(call.body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
        ...(call.signal && { signal: call.signal }),
      });
      if (call.ok.includes(res.status)) {
        this.#gate.succeeded();
        return res;
      }
      if (res.status === 401 && attempt === 0) {
        token = await this.tokens.refreshAfterUnauthorized(token, call.signal);
        continue;
      }
      const error = errorFromResponse(call.operation, call.role ?? 'rest', res, this.#clock.now());
      this.#gate.failed(error);
      throw error;
    }
  }
}
