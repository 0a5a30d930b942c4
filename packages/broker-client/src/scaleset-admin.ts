import { randomBytes } from 'node:crypto';
import { errorFromResponse } from './classify.js';
import { ExponentialBackoff } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { BrokerClientError, invalidInput } from './errors.js';
import { httpSend, parseJsonBody, readJsonObject, type HttpOptions, type HttpResponse } from './http.js';
import { decodeJitConfig } from './jit.js';
import { decodeJwtClaims } from './jwt.js';
import type { RegisteredRunner, RunnerRegistrar } from './registration.js';
import type { GitHubRestClient } from './rest.js';
import { readScaleSet, type RunnerScaleSet } from './scaleset-types.js';
import { joinUrl, parseBaseUrl, type GitHubTarget } from './urls.js';

/** The admin connection the RemoteAuth hop yields. */
interface AdminConnection {
  readonly url: string;
  readonly token: string;
  /** JWT `exp`, epoch ms. */
  readonly expiresAt: number;
}

/** A scale set to create. */
export interface ScaleSetSpec {
  readonly name: string;
  readonly runnerGroupId: number;
  /** Extra labels; the name is always the first label (the `runs-on` target). */
  readonly labels?: readonly string[];
  readonly runnerSetting?: Readonly<Record<string, unknown>>;
}

/** Settings of a {@link ScaleSetAdminClient}. */
export interface ScaleSetAdminOptions {
  readonly clock?: Clock;
  readonly http?: HttpOptions;
  /** Re-mint the admin JWT this long before its `exp`. Default 60 s. */
  readonly adminRefreshLeadMs?: number;
  /** After a failed mint, no new one for this long, doubling per failure up to `mintBackoffMaxMs`. Default 5 s. */
  readonly mintBackoffInitialMs?: number;
  /** Cap of the mint back-off. Default 60 s. */
  readonly mintBackoffMaxMs?: number;
}

const API_VERSION = 'api-version=6.0-preview';

/**
 * The Actions Service admin API for runner scale sets (broker-protocol §13): the RemoteAuth hop to an admin
 * JWT (re-minted 60 s before `exp` and after any 401), runner groups, scale-set CRUD, per-job JIT configs.
 */
export class ScaleSetAdminClient {
  readonly #clock: Clock;
  readonly #lead: number;
  #admin: AdminConnection | undefined;
  #minting: Promise<AdminConnection> | undefined;
  readonly #mintBackoff: ExponentialBackoff;
  /** No mint before this after a failed one, whoever asks (see {@link ScaleSetAdminClient.#mint}). */
  #mintRetryAt = Number.NEGATIVE_INFINITY;
  #mintError: unknown;

  constructor(
    private readonly rest: GitHubRestClient,
    private readonly registrar: RunnerRegistrar,
    private readonly target: GitHubTarget,
    private readonly options: ScaleSetAdminOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#lead = options.adminRefreshLeadMs ?? 60_000;
    this.#mintBackoff = new ExponentialBackoff(options.mintBackoffInitialMs ?? 5_000, options.mintBackoffMaxMs ?? 60_000);
  }

  /**
   * Registration token → `POST {api}/actions/runner-registration` (RemoteAuth) → admin URL and JWT. After a
   * failure no new mint starts before the back-off (or the server's Retry-After) has passed: callers in
   * between get the last failure at once. Without it every admin call of every group and job worker minted
   * again while the token endpoint was down — hundreds of calls a minute for the length of an outage.
   */
  async #mint(signal?: AbortSignal): Promise<AdminConnection> {
    const operation = 'runnerRegistration';
    const wait = this.#mintRetryAt - this.#clock.now();
    if (!this.#minting && wait > 0) {
      const last = this.#mintError;
      const kind = last instanceof BrokerClientError ? last.kind : 'network';
      throw new BrokerClientError(kind, `${operation}: the last admin token mint failed; the next one is not before ${Math.ceil(wait / 1000)} s from now (${last instanceof Error ? last.message : String(last)})`, {
        operation,
        retryAfterMs: wait,
        ...(last instanceof BrokerClientError && last.status !== undefined && { status: last.status }),
        cause: last,
      });
    }
    this.#minting ??= (async () => {
      try {
        const { token } = await this.registrar.registrationToken(signal);
        const res = await httpSend(this.options.http ?? {}, {
          operation,
          method: 'POST',
          url: joinUrl(this.rest.apiBaseUrl, '/actions/runner-registration'),
          headers: { authorization: `RemoteAuth ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ url: this.target.url, runner_event: 'register' }),
          ...(signal && { signal }),
        });
        if (res.status !== 200 && res.status !== 201) throw errorFromResponse(operation, 'rest', res, this.#clock.now());
        const { url, adminToken } = readJsonObject(operation, res, (f) => ({ url: f.string('url'), adminToken: f.string('token') }));
        parseBaseUrl(url, 'runner-registration url');
        const exp = decodeJwtClaims(adminToken, operation).exp;
        // A token without a readable exp is used once per call: re-mint on the next 401.
        const expiresAt = typeof exp === 'number' ? exp * 1000 : this.#clock.now() + 10 * 60_000;
        this.#admin = { url, token: adminToken, expiresAt };
        this.#mintBackoff.reset();
        this.#mintRetryAt = Number.NEGATIVE_INFINITY;
        return this.#admin;
      } catch (error) {
        // A caller's own abort says nothing about the endpoint.
        if (!(error instanceof BrokerClientError && error.kind === 'aborted')) {
          const retryAfter = error instanceof BrokerClientError ? (error.retryAfterMs ?? 0) : 0;
          this.#mintRetryAt = this.#clock.now() + Math.max(this.#mintBackoff.next(), retryAfter);
          this.#mintError = error;
        }
        throw error;
      } finally {
        this.#minting = undefined;
      }
    })();
    return this.#minting;
  }

  async #connection(signal?: AbortSignal): Promise<AdminConnection> {
    const a = this.#admin;
    if (a !== undefined && a.expiresAt - this.#lead > this.#clock.now()) return a;
    return this.#mint(signal);
  }

  /** The Actions Service base URL (minting the admin token if needed). */
  async adminUrl(signal?: AbortSignal): Promise<string> {
    return (await this.#connection(signal)).url;
  }

  /** One admin call: `{adminUrl}/_apis/…?api-version=6.0-preview`, re-minting once after a 401. */
  async call(operation: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, ok: readonly number[], signal?: AbortSignal): Promise<HttpResponse> {
    let conn = await this.#connection(signal);
    for (let attempt = 0; ; attempt++) {
      const url = `${joinUrl(conn.url, path)}${path.includes('?') ? '&' : '?'}${API_VERSION}`;
      const res = await httpSend(this.options.http ?? {}, {
        operation,
        method,
        url,
        headers: { authorization: `Bearer ${conn.token}`, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        ...(signal && { signal }),
      });
      if (ok.includes(res.status)) return res;
      if (res.status === 401 && attempt === 0) {
        conn = await this.#mint(signal);
        continue;
      }
      throw errorFromResponse(operation, 'admin', res, this.#clock.now());
    }
  }

  /** A runner group's id by name, or undefined when there is none. */
  async getRunnerGroupId(name: string, signal?: AbortSignal): Promise<number | undefined> {
    const operation = 'getRunnerGroup';
    const res = await this.call(operation, 'GET', `/_apis/runtime/runnergroups/?groupName=${encodeURIComponent(name)}`, undefined, [200], signal);
    const list = readJsonObject(operation, res, (f) => f.array('value'));
    const hit = list.find((g) => typeof g === 'object' && g !== null && (g as { name?: unknown }).name === name) ?? list[0];
    const id = (hit as { id?: unknown } | undefined)?.id;
    return typeof id === 'number' ? id : undefined;
  }

  async createScaleSet(spec: ScaleSetSpec, signal?: AbortSignal): Promise<RunnerScaleSet> {
    const operation = 'createScaleSet';
    if (!/^[A-Za-z0-9._-]{1,45}$/.test(spec.name)) throw invalidInput('scaleSet.name', `${JSON.stringify(spec.name)} must be 1–45 letters, digits, . _ -`);
    const labels = [spec.name, ...(spec.labels ?? []).filter((l) => l !== spec.name)].map((name) => ({ name, type: 'System' }));
    const body = { name: spec.name, runnerGroupId: spec.runnerGroupId, labels, RunnerSetting: spec.runnerSetting ?? { Ephemeral: true, DisableUpdate: true } };
    const res = await this.call(operation, 'POST', '/_apis/runtime/runnerscalesets', body, [200, 201], signal);
    return readScaleSet(parseJsonBody(operation, res), operation);
  }

  async getScaleSet(id: number, signal?: AbortSignal): Promise<RunnerScaleSet | undefined> {
    const operation = 'getScaleSet';
    try {
      const res = await this.call(operation, 'GET', `/_apis/runtime/runnerscalesets/${id}`, undefined, [200], signal);
      return readScaleSet(parseJsonBody(operation, res), operation);
    } catch (error) {
      if (error instanceof BrokerClientError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** By name within a runner group; undefined when none, an error when more than one. */
  async getScaleSetByName(runnerGroupId: number, name: string, signal?: AbortSignal): Promise<RunnerScaleSet | undefined> {
    const operation = 'getScaleSetByName';
    const res = await this.call(operation, 'GET', `/_apis/runtime/runnerscalesets?runnerGroupId=${runnerGroupId}&name=${encodeURIComponent(name)}`, undefined, [200], signal);
    const list = readJsonObject(operation, res, (f) => f.array('value'));
    if (list.length > 1) throw new BrokerClientError('malformed_body', `${operation}: ${list.length} scale sets are named ${name}`, { operation, status: 200 });
    return list.length === 0 ? undefined : readScaleSet(list[0], operation);
  }

  async updateScaleSet(id: number, patch: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<RunnerScaleSet> {
    const operation = 'updateScaleSet';
    const res = await this.call(operation, 'PATCH', `/_apis/runtime/runnerscalesets/${id}`, patch, [200], signal);
    return readScaleSet(parseJsonBody(operation, res), operation);
  }

  /** Deletes a scale set; a 404 counts as done. */
  async deleteScaleSet(id: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.call('deleteScaleSet', 'DELETE', `/_apis/runtime/runnerscalesets/${id}`, undefined, [200, 202, 204], signal);
    } catch (error) {
      if (!(error instanceof BrokerClientError && error.status === 404)) throw error;
    }
  }

  /**
   * A JIT config for one job's runner. A 409 (`AgentExistsException`) retries under a fresh name
   * (`{namePrefix}-{random}`), at most 3 tries in all.
   */
  async generateJitConfig(scaleSetId: number, namePrefix: string, signal?: AbortSignal): Promise<RegisteredRunner> {
    const operation = 'scaleSetJitConfig';
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const name = `${namePrefix}-${randomBytes(4).toString('hex')}`;
      try {
        const res = await this.call(operation, 'POST', `/_apis/runtime/runnerscalesets/${scaleSetId}/generatejitconfig`, { name, workFolder: '_work' }, [200, 201], signal);
        const { runnerId, blob, runnerName } = readJsonObject(operation, res, (f) => {
          const runner = f.object('runner');
          return { runnerId: runner.number('id'), runnerName: runner.optionalString('name') ?? name, blob: f.string('encodedJITConfig') };
        });
        return { runnerId, name: runnerName, encodedJitConfig: blob, jit: decodeJitConfig(blob) };
      } catch (error) {
        if (!(error instanceof BrokerClientError && error.kind === 'conflict')) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }
}
