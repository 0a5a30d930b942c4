/**
 * The classic tier's job lifecycle at the broker: acquire, renew, complete, cancel. The AGC implements
 * it on `@actions-gateway/broker-client`. Every call returns a typed outcome instead of throwing for the
 * answers the protocol defines; only the unexpected becomes `{ kind: 'error' }`.
 */
export interface JobBrokerPort {
  /** Claims a job from a broker message. Call it only after admission said the job fits. */
  acquireJob(message: JobMessage, signal: AbortSignal): Promise<AcquireOutcome>;
  /** Extends the job's lock (about 10 min at GitHub) with the job-scoped token and the job's own id. */
  renewJob(lease: JobLease, signal: AbortSignal): Promise<RenewOutcome>;
  /** Reports the job's conclusion. */
  completeJob(lease: JobLease, conclusion: JobConclusion, signal: AbortSignal): Promise<BrokerCallOutcome>;
  /** Gives the job up so GitHub concludes it as cancelled. */
  cancelJob(lease: JobLease, signal: AbortSignal): Promise<BrokerCallOutcome>;
}

/** A `RunnerJobRequest` broker message as the listener received it. */
export interface JobMessage {
  readonly runnerRequestId: string;
  readonly runServiceUrl: string;
  readonly billingOwnerId?: string;
}

/**
 * What renew, complete and cancel need: the job's own id (`runner_request_id`, never the envelope
 * message id), its plan, the run service and the job-scoped token from the acquire response.
 * The token is a secret: never log a lease.
 */
export interface JobLease {
  readonly planId: string;
  readonly jobId: string;
  readonly runServiceUrl: string;
  readonly jobToken: string;
}

/** How a job ended, as reported to the broker. */
export type JobConclusion = 'succeeded' | 'failed' | 'cancelled';

/** The answer to an acquire. `payload` is the raw acquire body the worker needs. */
export type AcquireOutcome =
  | { readonly kind: 'acquired'; readonly lease: JobLease; readonly payload: string }
  | { readonly kind: 'already_claimed' }
  | { readonly kind: 'delivery_window_expired' }
  | { readonly kind: 'version_too_old' }
  | { readonly kind: 'error'; readonly error: Error };

/** The answer to a renew: `gone` (404/410) means the job no longer exists and must be torn down. */
export type RenewOutcome =
  | { readonly kind: 'renewed'; readonly lockedUntil?: Date }
  | { readonly kind: 'gone'; readonly statusCode: number }
  | { readonly kind: 'error'; readonly error: Error };

/** The answer to complete or cancel. */
export type BrokerCallOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'error'; readonly error: Error };
