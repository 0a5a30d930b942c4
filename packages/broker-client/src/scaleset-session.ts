import { errorFromResponse } from './classify.js';
import { systemClock, type Clock, type Random } from './clock.js';
import { BrokerClientError, invalidInput } from './errors.js';
import { httpSend, readJsonObject, type FieldReader, type HttpOptions, type HttpResponse } from './http.js';
import { DEFAULT_POLL_DEADLINE_MS, DEFAULT_POLL_HEADERS_TIMEOUT_MS } from './classic-session.js';
import { CallGate } from './pacing.js';
import type { ScaleSetAdminClient } from './scaleset-admin.js';
import { readJobMessages, readStatistics, type ScaleSetJobMessage, type ScaleSetRejectedEntry, type ScaleSetStatistics } from './scaleset-types.js';
import { joinUrl } from './urls.js';

/** Settings of a {@link ScaleSetSession}. */
export interface ScaleSetSessionOptions {
  readonly clock?: Clock;
  readonly random?: Random;
  readonly http?: HttpOptions;
  /** Resume after this message (a cursor the caller persisted). Default 0. */
  readonly lastMessageId?: number;
  readonly pollHeadersTimeoutMs?: number;
  readonly pollDeadlineMs?: number;
  readonly minPollIntervalMs?: number;
  /** On a 409 at create: retry every… Default 30 s. */
  readonly conflictRetryIntervalMs?: number;
  /** …at most this many times. Default 10 (ARC's policy); 0 disables. */
  readonly conflictRetries?: number;
}

/** One poll of the queue. */
export type ScaleSetPollResult =
  | {
      readonly kind: 'message';
      readonly messageId: number;
      readonly messageType: string;
      readonly jobs: readonly ScaleSetJobMessage[];
      /** Entries skipped because they do not parse (no `jobId`, not an object): count and log each; the rest stand. */
      readonly rejected: readonly ScaleSetRejectedEntry[];
      readonly statistics?: ScaleSetStatistics;
    }
  /** A message whose body does not parse: skip it by its id (persist, then acknowledge), never retry it. */
  | { readonly kind: 'malformed'; readonly messageId: number; readonly messageType: string; readonly error: BrokerClientError }
  | { readonly kind: 'empty' }
  | { readonly kind: 'timeout'; readonly error: BrokerClientError };

/**
 * The one session of a scale set: polls its message queue advertising capacity on every poll, refreshes the
 * queue token (PATCH) on a 401 and retries once, and leaves the cursor and the ack to the caller, in that
 * order (persist, {@link advanceCursor}, then {@link deleteMessage}; or {@link acknowledge} for both).
 */
export class ScaleSetSession {
  readonly #admin: ScaleSetAdminClient;
  readonly #o: ScaleSetSessionOptions;
  readonly #clock: Clock;
  readonly #gate: CallGate;
  readonly scaleSetId: number;
  #sessionId = '';
  #queueUrl = '';
  #queueToken = '';
  #statistics: ScaleSetStatistics | undefined;
  #cursor: number;

  private constructor(admin: ScaleSetAdminClient, scaleSetId: number, options: ScaleSetSessionOptions) {
    this.#admin = admin;
    this.scaleSetId = scaleSetId;
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#gate = new CallGate({ clock: this.#clock, ...(options.random && { random: options.random }), minIntervalMs: options.minPollIntervalMs ?? 100 });
    this.#cursor = options.lastMessageId ?? 0;
  }

  /** `POST …/runnerscalesets/{id}/sessions`; a 409 (a predecessor's session) is retried on the configured schedule. */
  static async create(admin: ScaleSetAdminClient, scaleSetId: number, ownerName: string, options: ScaleSetSessionOptions = {}, signal?: AbortSignal): Promise<ScaleSetSession> {
    if (ownerName.trim() === '') throw invalidInput('ownerName', 'must not be empty');
    const session = new ScaleSetSession(admin, scaleSetId, options);
    const clock = options.clock ?? systemClock;
    const retries = options.conflictRetries ?? 10;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await admin.call('createScaleSetSession', 'POST', `/_apis/runtime/runnerscalesets/${scaleSetId}/sessions`, { ownerName }, [200, 201], signal);
        session.#adopt('createScaleSetSession', res);
        return session;
      } catch (error) {
        const conflict = error instanceof BrokerClientError && error.status === 409;
        if (!conflict || attempt >= retries) {
          throw conflict ? new BrokerClientError('session_conflict', (error as Error).message, { operation: 'createScaleSetSession', status: 409, cause: error }) : error;
        }
        await clock.sleep(options.conflictRetryIntervalMs ?? 30_000, signal);
      }
    }
  }

  #adopt(operation: string, res: HttpResponse): void {
    readJsonObject(operation, res, (f: FieldReader) => {
      this.#sessionId = f.string('sessionId');
      this.#queueUrl = f.string('messageQueueUrl');
      this.#queueToken = f.string('messageQueueAccessToken');
      this.#statistics = readStatistics(f.get('statistics')) ?? this.#statistics;
    });
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  /** The id of the last message the caller advanced past; sent as `lastMessageId`. */
  get lastMessageId(): number {
    return this.#cursor;
  }

  /** Statistics from the latest session response or message. */
  get statistics(): ScaleSetStatistics | undefined {
    return this.#statistics;
  }

  /** `PATCH …/sessions/{id}`: a new queue token and fresh statistics. */
  async refresh(signal?: AbortSignal): Promise<ScaleSetStatistics | undefined> {
    const operation = 'refreshScaleSetSession';
    const res = await this.#admin.call(operation, 'PATCH', `/_apis/runtime/runnerscalesets/${this.scaleSetId}/sessions/${this.#sessionId}`, undefined, [200], signal);
    this.#adopt(operation, res);
    return this.#statistics;
  }

  async #queueCall(send: (token: string) => Promise<HttpResponse>, signal?: AbortSignal): Promise<HttpResponse> {
    const res = await send(this.#queueToken);
    if (res.status !== 401) return res;
    await this.refresh(signal);
    return send(this.#queueToken);
  }

  /**
   * One poll: `GET {messageQueueUrl}?lastMessageId=N` with `X-ScaleSetMaxCapacity`. The cursor is NOT moved;
   * call {@link acknowledge} (or advanceCursor + deleteMessage) once the message's effects are durable.
   */
  async getMessage(options: { readonly maxCapacity: number; readonly signal?: AbortSignal }): Promise<ScaleSetPollResult> {
    const operation = 'getScaleSetMessage';
    const { maxCapacity, signal } = options;
    if (!Number.isSafeInteger(maxCapacity) || maxCapacity < 0) throw invalidInput('maxCapacity', `${maxCapacity} is not an integer ≥ 0`);
    await this.#gate.enter(signal);
    try {
      const res = await this.#queueCall(
        (token) =>
          httpSend(this.#o.http ?? {}, {
            operation,
            method: 'GET',
            url: this.#cursor > 0 ? `${this.#queueUrl}${this.#queueUrl.includes('?') ? '&' : '?'}lastMessageId=${this.#cursor}` : this.#queueUrl,
            headers: { authorization: `Bearer ${token}`, accept: 'application/json; api-version=6.0-preview', 'x-scalesetmaxcapacity': String(maxCapacity) },
            headersTimeoutMs: this.#o.pollHeadersTimeoutMs ?? DEFAULT_POLL_HEADERS_TIMEOUT_MS,
            deadlineMs: this.#o.pollDeadlineMs ?? DEFAULT_POLL_DEADLINE_MS,
            ...(signal && { signal }),
          }),
        signal,
      );
      if (res.status === 202 || (res.status === 200 && res.text.trim() === '')) {
        this.#gate.succeeded();
        return { kind: 'empty' };
      }
      if (res.status !== 200) throw errorFromResponse(operation, 'poll', res, this.#clock.now());
      const result: ScaleSetPollResult = readJsonObject(operation, res, (f) => {
        const messageType = f.string('messageType');
        const messageId = f.number('messageId');
        const body = typeof f.get('body') === 'string' ? (f.get('body') as string) : '';
        const statistics = readStatistics(f.get('statistics'));
        try {
          const { jobs, rejected } = readJobMessages(body, operation);
          return { kind: 'message' as const, messageId, messageType, jobs, rejected, ...(statistics && { statistics }) };
        } catch (error) {
          if (!(error instanceof BrokerClientError)) throw error;
          return { kind: 'malformed' as const, messageId, messageType, error };
        }
      });
      if (result.kind === 'message' && result.statistics) this.#statistics = result.statistics;
      this.#gate.succeeded();
      return result;
    } catch (error) {
      if (error instanceof BrokerClientError && error.kind === 'aborted') throw error;
      this.#gate.failed(error);
      if (error instanceof BrokerClientError && error.kind === 'timeout') return { kind: 'timeout', error };
      throw error;
    }
  }

  /** Moves the cursor past `messageId` (never backwards). */
  advanceCursor(messageId: number): void {
    if (messageId > this.#cursor) this.#cursor = messageId;
  }

  /** `DELETE {messageQueueUrl}/{messageId}` with the queue token; 404 (already gone) counts as done. */
  async deleteMessage(messageId: number, signal?: AbortSignal): Promise<void> {
    const operation = 'deleteScaleSetMessage';
    const [base, query] = this.#queueUrl.split('?');
    const url = `${joinUrl(base!, String(messageId))}${query ? `?${query}` : ''}`;
    const res = await this.#queueCall(
      (token) => httpSend(this.#o.http ?? {}, { operation, method: 'DELETE', url, headers: { authorization: `Bearer ${token}`, accept: 'application/json; api-version=6.0-preview' }, ...(signal && { signal }) }),
      signal,
    );
    if (res.status !== 200 && res.status !== 204 && res.status !== 404) throw errorFromResponse(operation, 'rest', res, this.#clock.now());
  }

  /** Advance the cursor, then delete: call only after the message's effects are persisted. */
  async acknowledge(messageId: number, signal?: AbortSignal): Promise<void> {
    this.advanceCursor(messageId);
    await this.deleteMessage(messageId, signal);
  }

  /** `acquirejobs` (GHES / acquire mode) with the QUEUE token; returns the request ids actually won. */
  async acquireJobs(runnerRequestIds: readonly number[], signal?: AbortSignal): Promise<number[]> {
    const operation = 'acquireJobs';
    if (runnerRequestIds.length === 0) return [];
    const adminUrl = await this.#admin.adminUrl(signal);
    const url = `${joinUrl(adminUrl, `/_apis/runtime/runnerscalesets/${this.scaleSetId}/acquirejobs`)}?api-version=6.0-preview`;
    const res = await this.#queueCall(
      (token) =>
        httpSend(this.#o.http ?? {}, {
          operation,
          method: 'POST',
          url,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify(runnerRequestIds),
          ...(signal && { signal }),
        }),
      signal,
    );
    if (res.status !== 200) throw errorFromResponse(operation, 'rest', res, this.#clock.now());
    return readJsonObject(operation, res, (f) => f.array('value').filter((v): v is number => typeof v === 'number'));
  }

  /** `DELETE …/sessions/{id}`; 404 counts as gone. */
  async close(signal?: AbortSignal): Promise<void> {
    await ScaleSetSession.deleteById(this.#admin, this.scaleSetId, this.#sessionId, signal);
  }

  /**
   * Deletes a session by id with the admin credentials (404 counts as gone): how a successor frees the session
   * a crashed predecessor left open, which would otherwise refuse every new session (409) until it expires.
   */
  static async deleteById(admin: ScaleSetAdminClient, scaleSetId: number, sessionId: string, signal?: AbortSignal): Promise<void> {
    if (!/^[-0-9a-zA-Z]{1,100}$/.test(sessionId)) throw invalidInput('sessionId', `"${sessionId.slice(0, 40)}" is not a session id`);
    try {
      await admin.call('deleteScaleSetSession', 'DELETE', `/_apis/runtime/runnerscalesets/${scaleSetId}/sessions/${sessionId}`, undefined, [200, 204], signal);
    } catch (error) {
      if (!(error instanceof BrokerClientError && error.status === 404)) throw error;
    }
  }
}
