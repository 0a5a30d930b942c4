import { hostname } from 'node:os';
import { errorFromResponse } from './classify.js';
import { systemClock, type Clock, type Random } from './clock.js';
import { decryptMessageBody, unwrapSessionKey } from './crypto.js';
import { BrokerClientError, invalidInput } from './errors.js';
import { httpSend, readJsonObject, type HttpOptions, type HttpResponse } from './http.js';
import type { JitConfig } from './jit.js';
import { parseBrokerEvent, type BrokerEvent, type RunnerJobRequestEvent } from './messages.js';
import { exchangeRunnerToken, type RunnerAccessToken } from './oauth.js';
import { CallGate } from './pacing.js';
import { RunServiceClient, type AcquiredJob } from './run-service.js';
import { joinUrl } from './urls.js';

/** Production bound on a long-poll's response headers: hold (50 s) + margin. Must stay ≤ 60 s. */
export const DEFAULT_POLL_HEADERS_TIMEOUT_MS = 60_000;
/** Production bound on a whole long-poll (the runner's 100 s SendTimeout). */
export const DEFAULT_POLL_DEADLINE_MS = 100_000;

/** Settings of a {@link ClassicBrokerSession}. */
export interface ClassicSessionOptions {
  /** The decoded JIT config of the runner this session speaks for. */
  readonly jit: JitConfig;
  /** The runner version advertised (checked by GitHub: too old → `version_too_old`). */
  readonly runnerVersion: string;
  readonly os?: 'Linux' | 'Windows' | 'macOS';
  readonly architecture?: 'X64' | 'X86' | 'ARM' | 'ARM64';
  /** Free text; default `{hostname} (PID: {pid})`. */
  readonly ownerName?: string;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly http?: HttpOptions;
  /** Response-header deadline of a poll; a black-holed poll ends after it as `timeout`. Default 60 s. */
  readonly pollHeadersTimeoutMs?: number;
  /** Overall deadline of a poll. Default 100 s. */
  readonly pollDeadlineMs?: number;
  /** Floor between two polls. Default 100 ms. */
  readonly minPollIntervalMs?: number;
  /** On a 409 at create (a predecessor's session still alive): retry every… Default 30 s. */
  readonly conflictRetryIntervalMs?: number;
  /** …for at most this long, then throw `session_conflict`. Default 4 min; 0 disables. */
  readonly conflictRetryMaxMs?: number;
}

/** What one poll produced. A timeout is not an error: count it, then poll again (the floor paces it). */
export type PollResult =
  | { readonly kind: 'message'; readonly event: BrokerEvent }
  /** 202 after the hold. `status: 200` means an empty 200, the consumed-JIT signature (heal after 3 in a row). */
  | { readonly kind: 'empty'; readonly status: 202 | 200 }
  | { readonly kind: 'timeout'; readonly error: BrokerClientError };

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/**
 * One classic broker session (U3) for one JIT runner, with its own OAuth token (DELETE identifies the session
 * by it). Every call re-mints the token once on a 401; every poll goes through a gate, so no server behaviour
 * can make it spin.
 */
export class ClassicBrokerSession {
  readonly #o: ClassicSessionOptions;
  readonly #clock: Clock;
  readonly #gate: CallGate;
  #runService: RunServiceClient | undefined;
  #brokerUrl: string;
  #token: RunnerAccessToken;
  #aesKey: Buffer | undefined;
  #sessionId = '';
  #closed = false;
  #emptyOk = 0;

  private constructor(options: ClassicSessionOptions, token: RunnerAccessToken) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#gate = new CallGate({ clock: this.#clock, ...(options.random && { random: options.random }), minIntervalMs: options.minPollIntervalMs ?? 100 });
    this.#brokerUrl = options.jit.runner.brokerUrl;
    this.#token = token;
  }

  /** Mints a fresh OAuth token and creates the session (`POST {broker}session`). */
  static async create(options: ClassicSessionOptions, signal?: AbortSignal): Promise<ClassicBrokerSession> {
    if (!/^\d+\.\d+\.\d+/.test(options.runnerVersion)) throw invalidInput('runnerVersion', `${JSON.stringify(options.runnerVersion)} is not a version like 2.330.0`);
    const clock = options.clock ?? systemClock;
    const token = await exchangeRunnerToken(options.jit.credentials, options.jit.privateKey, { clock, ...(options.http && { http: options.http }), ...(signal && { signal }) });
    const session = new ClassicBrokerSession(options, token);
    await session.#createSession(signal);
    return session;
  }

  /** The run service client this session acquires with; renew and complete use each job's own token. */
  get runService(): RunServiceClient {
    // Made on first use: an idle session never acquires, so it need not hold one.
    return (this.#runService ??= new RunServiceClient({ clock: this.#clock, ...(this.#o.http && { http: this.#o.http }) }));
  }

  /** The broker's session id. */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The broker base URL in use (changes after `BrokerMigration`). */
  get brokerUrl(): string {
    return this.#brokerUrl;
  }

  /** Consecutive empty 200s (the consumed-JIT signature). */
  get consecutiveEmptyOk(): number {
    return this.#emptyOk;
  }

  /** Consecutive poll errors (drives the two-tier back-off). */
  get consecutiveErrors(): number {
    return this.#gate.consecutiveErrors;
  }

  /** Re-mints this session's OAuth token (on 401, and on `ForceTokenRefresh`). */
  async refreshToken(signal?: AbortSignal): Promise<void> {
    this.#token = await exchangeRunnerToken(this.#o.jit.credentials, this.#o.jit.privateKey, {
      clock: this.#clock,
      ...(this.#o.http && { http: this.#o.http }),
      ...(signal && { signal }),
    });
  }

  async #withToken(call: (token: string) => Promise<HttpResponse>, signal?: AbortSignal): Promise<HttpResponse> {
    const exp = this.#token.expiresAt;
    if (exp !== undefined && exp - 60_000 <= this.#clock.now()) await this.refreshToken(signal);
    const res = await call(this.#token.accessToken);
    if (res.status !== 401) return res;
    await this.refreshToken(signal);
    return call(this.#token.accessToken);
  }

  #headers(token: string, json: boolean): Record<string, string> {
    return { authorization: `Bearer ${token}`, accept: 'application/json', ...(json && { 'content-type': 'application/json' }) };
  }

  async #createSession(signal?: AbortSignal): Promise<void> {
    const operation = 'createSession';
    const { jit } = this.#o;
    const body = {
      sessionId: ZERO_GUID,
      ownerName: this.#o.ownerName ?? `${hostname()} (PID: ${process.pid})`,
      agent: { id: jit.runner.agentId, name: jit.runner.agentName, version: this.#o.runnerVersion, osDescription: this.#o.os ?? 'Linux' },
      useFipsEncryption: false,
    };
    const retryEvery = this.#o.conflictRetryIntervalMs ?? 30_000;
    const giveUpAt = this.#clock.now() + (this.#o.conflictRetryMaxMs ?? 240_000);
    for (;;) {
      const res = await this.#withToken(
        (token) => httpSend(this.#o.http ?? {}, { operation, method: 'POST', url: joinUrl(this.#brokerUrl, 'session'), headers: this.#headers(token, true), body: JSON.stringify(body), ...(signal && { signal }) }),
        signal,
      );
      if (res.status === 200 || res.status === 201) {
        readJsonObject(operation, res, (f) => {
          this.#sessionId = f.string('sessionId');
          const key = f.optionalObject('encryptionKey');
          const value = key?.optionalString('value');
          if (key && value) {
            const useFips = f.get('useFipsEncryption') === true;
            this.#aesKey = unwrapSessionKey({ encrypted: key.get('encrypted') === true, value }, jit.privateKey, useFips);
          }
          const migratedTo = f.optionalString('brokerURL') ?? f.optionalString('brokerUrl');
          if (migratedTo) this.#brokerUrl = migratedTo;
        });
        return;
      }
      const error = errorFromResponse(operation, 'createSession', res, this.#clock.now());
      if (error.kind === 'session_conflict' && this.#clock.now() + retryEvery <= giveUpAt) {
        await this.#clock.sleep(retryEvery, signal);
        continue;
      }
      throw error;
    }
  }

  /**
   * One long-poll (`GET {broker}message`). Waits first if the gate says so (floor, `Retry-After`, back-off).
   * Errors are thrown typed (`rate_limited`, `version_too_old`, `session_invalid`, `unauthorized`, …) after
   * being recorded in the gate; a black-holed poll returns `{kind: 'timeout'}`.
   */
  async getMessage(options: { readonly status?: 'Online' | 'Busy'; readonly signal?: AbortSignal } = {}): Promise<PollResult> {
    const operation = 'getMessage';
    if (this.#closed) throw invalidInput('session', 'is closed');
    const { signal } = options;
    await this.#gate.enter(signal);
    const query = new URLSearchParams({
      sessionId: this.#sessionId,
      status: options.status ?? 'Online',
      runnerVersion: this.#o.runnerVersion,
      os: this.#o.os ?? 'Linux',
      architecture: this.#o.architecture ?? 'X64',
      disableUpdate: 'true',
    });
    let res: HttpResponse;
    try {
      res = await this.#withToken(
        (token) =>
          httpSend(this.#o.http ?? {}, {
            operation,
            method: 'GET',
            url: `${joinUrl(this.#brokerUrl, 'message')}?${query.toString()}`,
            headers: this.#headers(token, false),
            headersTimeoutMs: this.#o.pollHeadersTimeoutMs ?? DEFAULT_POLL_HEADERS_TIMEOUT_MS,
            deadlineMs: this.#o.pollDeadlineMs ?? DEFAULT_POLL_DEADLINE_MS,
            ...(signal && { signal }),
          }),
        signal,
      );
      if (res.status === 202) return this.#ok({ kind: 'empty', status: 202 });
      if (res.status !== 200) throw errorFromResponse(operation, 'poll', res, this.#clock.now());
      if (res.text.trim() === '') {
        this.#gate.succeeded();
        this.#emptyOk += 1;
        return { kind: 'empty', status: 200 };
      }
      const event = this.#readEnvelope(res);
      return this.#ok({ kind: 'message', event });
    } catch (error) {
      if (error instanceof BrokerClientError && error.kind === 'aborted') throw error;
      this.#gate.failed(error);
      if (error instanceof BrokerClientError && error.kind === 'timeout') return { kind: 'timeout', error };
      throw error;
    }
  }

  #ok(result: PollResult): PollResult {
    this.#gate.succeeded();
    this.#emptyOk = 0;
    if (result.kind === 'message' && result.event.type === 'BrokerMigration') this.#brokerUrl = result.event.brokerBaseUrl;
    return result;
  }

  #readEnvelope(res: HttpResponse): BrokerEvent {
    const envelope = readJsonObject('getMessage', res, (f) => ({
      messageId: f.number('messageId'),
      messageType: f.string('messageType'),
      body: typeof f.get('body') === 'string' ? (f.get('body') as string) : '',
      iv: f.optionalString('iv'),
    }));
    const body = this.#aesKey && envelope.body !== '' ? decryptMessageBody(envelope.body, envelope.iv, this.#aesKey) : envelope.body.replace(/^\uFEFF/, '');
    return parseBrokerEvent(envelope.messageId, envelope.messageType, body);
  }

  /** Claims the job of a `RunnerJobRequest` on that message's own run service URL, with this session's token. */
  async acquireJob(request: RunnerJobRequestEvent, options: { readonly runnerOS?: string; readonly signal?: AbortSignal } = {}): Promise<AcquiredJob> {
    const req = {
      runServiceUrl: request.runServiceUrl,
      runnerRequestId: request.runnerRequestId,
      ...(request.billingOwnerId !== undefined && { billingOwnerId: request.billingOwnerId }),
      ...(options.runnerOS !== undefined && { runnerOS: options.runnerOS }),
    };
    try {
      return await this.runService.acquireJob(req, this.#token.accessToken, options.signal);
    } catch (error) {
      if (!(error instanceof BrokerClientError) || error.status !== 401) throw error;
      await this.refreshToken(options.signal);
      return this.runService.acquireJob(req, this.#token.accessToken, options.signal);
    }
  }

  /** Best-effort telemetry ack for `should_acknowledge` messages (5 s bound, never retried). */
  async acknowledge(request: RunnerJobRequestEvent, signal?: AbortSignal): Promise<void> {
    const operation = 'acknowledge';
    const query = new URLSearchParams({ sessionId: this.#sessionId, status: 'Online', runnerVersion: this.#o.runnerVersion, os: this.#o.os ?? 'Linux', architecture: this.#o.architecture ?? 'X64' });
    const res = await httpSend(this.#o.http ?? {}, {
      operation,
      method: 'POST',
      url: `${joinUrl(this.#brokerUrl, 'acknowledge')}?${query.toString()}`,
      headers: this.#headers(this.#token.accessToken, true),
      body: JSON.stringify({ runnerRequestId: request.runnerRequestId }),
      deadlineMs: 5_000,
      headersTimeoutMs: 5_000,
      ...(signal && { signal }),
    });
    if (res.status >= 300) throw errorFromResponse(operation, 'rest', res, this.#clock.now());
  }

  /** `DELETE {broker}session` (identified by this session's token), bounded to 10 s. 404 counts as gone. */
  async close(signal?: AbortSignal): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const operation = 'deleteSession';
    const res = await httpSend(this.#o.http ?? {}, {
      operation,
      method: 'DELETE',
      url: joinUrl(this.#brokerUrl, 'session'),
      headers: this.#headers(this.#token.accessToken, false),
      deadlineMs: 10_000,
      headersTimeoutMs: 10_000,
      ...(signal && { signal }),
    });
    if (res.status !== 200 && res.status !== 204 && res.status !== 404) throw errorFromResponse(operation, 'rest', res, this.#clock.now());
  }
}
