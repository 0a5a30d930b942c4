import type { AcquireOutcome, BrokerCallOutcome, Clock, JobBrokerPort, JobLease, JobMessage, RenewOutcome } from '../../../src/index.js';

/** The broker's job locks: renew answers follow `renewAnswers` (then `renewed`); `hang` never answers. */
export class FakeBroker implements JobBrokerPort {
  readonly renewCalls: { jobId: string; token: string }[] = [];
  /** Clock time of each renew call. */
  readonly renewTimes: number[] = [];
  readonly cancelled: string[] = [];
  readonly completed: string[] = [];
  renewAnswers: (RenewOutcome | 'hang')[] = [];

  constructor(private readonly clock?: Clock) {}

  acquireJob(message: JobMessage): Promise<AcquireOutcome> {
    const lease: JobLease = { planId: `plan-${message.runnerRequestId}`, jobId: message.runnerRequestId, runServiceUrl: message.runServiceUrl, jobToken: `job-token-${message.runnerRequestId}` };
    return Promise.resolve({ kind: 'acquired', lease, payload: '{}' });
  }

  renewJob(lease: JobLease, signal: AbortSignal): Promise<RenewOutcome> {
    this.renewCalls.push({ jobId: lease.jobId, token: lease.jobToken });
    if (this.clock) this.renewTimes.push(this.clock.now().getTime());
    const answer = this.renewAnswers.shift() ?? { kind: 'renewed' };
    if (answer !== 'hang') return Promise.resolve(answer);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('renew aborted')), { once: true }));
  }

  completeJob(lease: JobLease): Promise<BrokerCallOutcome> {
    this.completed.push(lease.jobId);
    return Promise.resolve({ kind: 'accepted' });
  }

  cancelJob(lease: JobLease): Promise<BrokerCallOutcome> {
    this.cancelled.push(lease.jobId);
    return Promise.resolve({ kind: 'accepted' });
  }
}
