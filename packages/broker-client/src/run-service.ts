import { errorFromResponse } from './classify.js';
import { systemClock, type Clock } from './clock.js';
import { BrokerClientError, invalidInput } from './errors.js';
import { httpSend, readJsonObject, type FieldReader, type HttpOptions, type HttpResponse } from './http.js';
import { joinUrl, parseBaseUrl } from './urls.js';

/** A claimed job: everything renew and complete need, plus the message to hand to the worker. */
export interface AcquiredJob {
  /** The job's GUID from the acquired message (what renew/complete send as `jobId`). */
  readonly jobId: string;
  /** `x-plan-id` header, else `plan.planId`. */
  readonly planId: string;
  readonly runnerRequestId: string;
  /** The run service this job was acquired on (U4). */
  readonly runServiceUrl: string;
  /** `SystemVssConnection.url` (U5), where renew/complete go; the run service URL when absent. */
  readonly jobServiceUrl: string;
  /** The job token (`SystemVssConnection` AccessToken). Secret. */
  readonly jobToken: string;
  readonly requestId?: number;
  /** The acquired message body, verbatim, for the worker (dates stay strings). Secret: holds the job token. */
  readonly messageJson: string;
}

/** What acquirejob needs. */
export interface AcquireJobRequest {
  readonly runServiceUrl: string;
  readonly runnerRequestId: string;
  readonly billingOwnerId?: string;
  /** Default `Linux`. */
  readonly runnerOS?: string;
}

/** A job's outcome, as the run service spells `TaskResult` (one L in `canceled`). */
export type JobConclusion = 'succeeded' | 'succeededWithIssues' | 'failed' | 'canceled' | 'skipped' | 'abandoned';

const conclusions: ReadonlySet<string> = new Set(['succeeded', 'succeededWithIssues', 'failed', 'canceled', 'skipped', 'abandoned']);

/** Optional completejob fields. */
export interface CompleteJobExtras {
  readonly outputs?: Readonly<Record<string, { readonly value: string; readonly isSecret?: boolean }>>;
  readonly stepResults?: readonly unknown[];
  readonly annotations?: readonly unknown[];
  readonly environmentUrl?: string;
  readonly billingOwnerId?: string;
  readonly infrastructureFailureCategory?: string;
}

/** The run service (U4/U5): acquirejob with the runner token, renewjob/completejob with the job token. */
export class RunServiceClient {
  readonly #clock: Clock;

  constructor(private readonly options: { readonly clock?: Clock; readonly http?: HttpOptions } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async #post(operation: string, url: string, token: string, body: unknown, signal?: AbortSignal): Promise<HttpResponse> {
    return httpSend(this.options.http ?? {}, {
      operation,
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal && { signal }),
    });
  }

  /**
   * `POST {run_service_url}acquirejob` with the runner OAuth token. 409 → `already_claimed`, 404 →
   * `delivery_window_expired`, 422 → `unprocessable`; only 200 is a claim.
   */
  async acquireJob(req: AcquireJobRequest, runnerToken: string, signal?: AbortSignal): Promise<AcquiredJob> {
    const operation = 'acquireJob';
    parseBaseUrl(req.runServiceUrl, 'run_service_url');
    const body = { jobMessageId: req.runnerRequestId, runnerOS: req.runnerOS ?? 'Linux', ...(req.billingOwnerId && { billingOwnerId: req.billingOwnerId }) };
    const res = await this.#post(operation, joinUrl(req.runServiceUrl, 'acquirejob'), runnerToken, body, signal);
    if (res.status !== 200) throw errorFromResponse(operation, 'acquire', res, this.#clock.now());
    return readAcquiredJob(res, { runnerRequestId: req.runnerRequestId, runServiceUrl: req.runServiceUrl });
  }

  /** `POST renewjob` with the job token, the plan id and the job's GUID. 404/410 → `job_not_found` (stop). Returns `lockedUntil` (epoch ms). */
  async renewJob(job: AcquiredJob, signal?: AbortSignal): Promise<{ lockedUntil: number }> {
    const operation = 'renewJob';
    const res = await this.#post(operation, joinUrl(job.jobServiceUrl, 'renewjob'), job.jobToken, { planId: job.planId, jobId: job.jobId }, signal);
    if (res.status !== 200) throw errorFromResponse(operation, 'renewOrComplete', res, this.#clock.now());
    return readJsonObject(operation, res, (f) => {
      const lockedUntil = Date.parse(f.string('lockedUntil'));
      if (Number.isNaN(lockedUntil)) throw new BrokerClientError('malformed_body', `${operation}: lockedUntil is not a date`, { operation, status: 200 });
      return { lockedUntil };
    });
  }

  /** `POST completejob` with the job token; the outcome goes under `conclusion` (never `result`). */
  async completeJob(job: AcquiredJob, conclusion: JobConclusion, extras: CompleteJobExtras = {}, signal?: AbortSignal): Promise<void> {
    const operation = 'completeJob';
    if (!conclusions.has(conclusion)) throw invalidInput('conclusion', `${JSON.stringify(conclusion)} is not one of ${[...conclusions].join(', ')}`);
    const body = { planId: job.planId, jobId: job.jobId, conclusion, ...extras };
    const res = await this.#post(operation, joinUrl(job.jobServiceUrl, 'completejob'), job.jobToken, body, signal);
    if (res.status !== 200 && res.status !== 204) throw errorFromResponse(operation, 'renewOrComplete', res, this.#clock.now());
  }
}

/** Where an acquired job message came from, for {@link readAcquiredJob}. */
export interface AcquiredJobOrigin {
  readonly runnerRequestId: string;
  /** The run service it was acquired on (U4); renew and complete fall back to it when the message names no job connection URL. */
  readonly runServiceUrl?: string;
}

/**
 * Reads an acquirejob answer — fresh from the wire, or the body stored beside a job (`status` 200, the
 * `x-plan-id` header when it was kept) — into what renew and complete need. `malformed_body` names the field.
 */
export function readAcquiredJob(res: HttpResponse, origin: AcquiredJobOrigin): AcquiredJob {
  const operation = 'acquireJob';
  return readJsonObject(operation, res, (f) => {
    const connection = systemVssConnection(f, operation);
    const jobServiceUrl = connection.url ?? origin.runServiceUrl;
    if (jobServiceUrl === undefined) throw new BrokerClientError('malformed_body', `${operation}: the SystemVssConnection endpoint has no url`, { operation, status: res.status });
    const requestId = f.optionalNumber('requestId');
    return {
      jobId: f.string('jobId'),
      planId: res.headers['x-plan-id'] || f.object('plan').string('planId'),
      runnerRequestId: origin.runnerRequestId,
      runServiceUrl: origin.runServiceUrl ?? jobServiceUrl,
      jobServiceUrl,
      jobToken: connection.token,
      ...(requestId !== undefined && { requestId }),
      messageJson: res.text,
    };
  });
}

function systemVssConnection(f: FieldReader, operation: string): { url?: string; token: string } {
  const endpoints = f.object('resources').array('endpoints');
  for (const e of endpoints) {
    if (typeof e !== 'object' || e === null) continue;
    const ep = e as Record<string, unknown>;
    if (typeof ep.name !== 'string' || ep.name.toLowerCase() !== 'systemvssconnection') continue;
    const params = (ep.authorization as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {};
    const key = Object.keys(params).find((k) => k.toLowerCase() === 'accesstoken');
    const token = key === undefined ? undefined : params[key];
    if (typeof token !== 'string' || token === '') break;
    return { ...(typeof ep.url === 'string' && ep.url !== '' && { url: ep.url }), token };
  }
  throw new BrokerClientError('malformed_body', `${operation}: no SystemVssConnection endpoint with an AccessToken in the job message`, { operation, status: 200 });
}
