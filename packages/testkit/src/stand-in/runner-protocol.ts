// The runner's side of the protocol, as much as the stand-in speaks (broker-protocol §6–§9): OAuth token
// exchange with the JIT key, a classic broker session, long-poll, acquirejob, renewjob and completejob. Written
// on undici and node:crypto, independent of the product's broker client (which it helps to test).
import { constants, createDecipheriv, createSign, privateDecrypt, randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { call, join, jsonOf } from './http.js';
import type { JitRunner } from './jit.js';

/** A job's completion address: plan, job id, `SystemVssConnection` URL and job token (secret). */
export interface JobHandle {
  readonly planId: string;
  readonly jobId: string;
  readonly url: string;
  readonly token: string;
}

/** An HTTP failure of a protocol call, with its status. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

const fail = (what: string, status: number, text: string): ProtocolError => new ProtocolError(`${what}: HTTP ${status} ${text.slice(0, 160)}`, status);

function assertion(jit: JitRunner): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iss: jit.clientId, sub: jit.clientId, aud: jit.authorizationUrl, nbf: now - 30, iat: now, exp: now + 300, jti: randomUUID() })}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(jit.key).toString('base64url')}`;
}

/** `renewjob` with the job token. */
export async function renewJob(job: JobHandle, dispatcher?: Dispatcher, signal?: AbortSignal): Promise<void> {
  const r = await call('POST', join(job.url, 'renewjob'), { token: job.token, body: { planId: job.planId, jobId: job.jobId }, dispatcher, signal });
  if (r.status !== 200) throw fail('renewjob', r.status, r.text);
}

/** `completejob` with the job token; the outcome goes under `conclusion`. */
export async function completeJob(job: JobHandle, conclusion: string, dispatcher?: Dispatcher): Promise<void> {
  const r = await call('POST', join(job.url, 'completejob'), { token: job.token, body: { planId: job.planId, jobId: job.jobId, conclusion }, dispatcher });
  if (r.status !== 200 && r.status !== 204) throw fail('completejob', r.status, r.text);
}

/** A `RunnerJobRequest` offered on the session. */
export interface JobOffer {
  readonly runnerRequestId: string;
  readonly runServiceUrl: string;
  readonly billingOwnerId?: string;
}

/** What one poll brought. */
export type Poll = { readonly kind: 'job'; readonly offer: JobOffer } | { readonly kind: 'cancel'; readonly jobId: string } | { readonly kind: 'none' };

/** A classic broker session of one JIT runner. */
export class RunnerSession {
  private constructor(
    private readonly jit: JitRunner,
    private readonly token: string,
    readonly sessionId: string,
    private readonly aesKey: Buffer | undefined,
    private readonly dispatcher: Dispatcher | undefined,
    private readonly runnerVersion: string,
  ) {}

  /** Exchanges the JIT key for an OAuth token and creates the session. */
  static async open(jit: JitRunner, options: { dispatcher?: Dispatcher | undefined; runnerVersion: string; signal?: AbortSignal | undefined }): Promise<RunnerSession> {
    const { dispatcher, signal } = options;
    const tok = await call('POST', jit.tokenUrl, {
      form: { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion(jit) },
      dispatcher, signal,
    });
    if (tok.status !== 200) throw fail('OAuth token', tok.status, tok.text);
    const accessToken = jsonOf('OAuth token', tok).access_token;
    if (typeof accessToken !== 'string') throw new Error('OAuth token: no access_token in the reply');
    const res = await call('POST', join(jit.brokerUrl, 'session'), {
      token: accessToken, dispatcher, signal,
      body: { sessionId: '00000000-0000-0000-0000-000000000000', ownerName: `stand-in (PID: ${process.pid})`, agent: { id: jit.agentId, name: jit.agentName, version: options.runnerVersion, osDescription: 'Linux' }, useFipsEncryption: false },
    });
    if (res.status !== 200 && res.status !== 201) throw fail('create session', res.status, res.text);
    const s = jsonOf('create session', res);
    const key = s.encryptionKey as { value?: string } | undefined;
    const aesKey = key?.value ? privateDecrypt({ key: jit.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(key.value, 'base64')) : undefined;
    return new RunnerSession(jit, accessToken, String(s.sessionId), aesKey, dispatcher, options.runnerVersion);
  }

  /** One long-poll. */
  async poll(status: 'Online' | 'Busy', signal?: AbortSignal): Promise<Poll> {
    const q = new URLSearchParams({ sessionId: this.sessionId, status, runnerVersion: this.runnerVersion, os: 'Linux', architecture: 'X64', disableUpdate: 'true' });
    const r = await call('GET', `${join(this.jit.brokerUrl, 'message')}?${q.toString()}`, { token: this.token, dispatcher: this.dispatcher, signal, timeoutMs: 100_000 });
    if (r.status === 202 || (r.status === 200 && r.text.trim() === '')) return { kind: 'none' };
    if (r.status !== 200) throw fail('get message', r.status, r.text);
    const env = jsonOf('get message', r);
    let body = typeof env.body === 'string' ? env.body : '';
    if (this.aesKey && body && typeof env.iv === 'string') {
      const d = createDecipheriv('aes-256-cbc', this.aesKey, Buffer.from(env.iv, 'base64'));
      body = Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]).toString('utf8').replace(/^\uFEFF/, '');
    }
    const msg = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    if (env.messageType === 'RunnerJobRequest' && typeof msg.runner_request_id === 'string' && typeof msg.run_service_url === 'string') {
      return { kind: 'job', offer: { runnerRequestId: msg.runner_request_id, runServiceUrl: msg.run_service_url, ...(typeof msg.billing_owner_id === 'string' && { billingOwnerId: msg.billing_owner_id }) } };
    }
    if (env.messageType === 'JobCancellation' && typeof msg.jobId === 'string') return { kind: 'cancel', jobId: msg.jobId };
    return { kind: 'none' };
  }

  /** `acquirejob` with the session's token: the job message and the `x-plan-id` header. */
  async acquire(offer: JobOffer, signal?: AbortSignal): Promise<{ message: string; planIdHeader: string | undefined }> {
    const r = await call('POST', join(offer.runServiceUrl, 'acquirejob'), {
      token: this.token, dispatcher: this.dispatcher, signal,
      body: { jobMessageId: offer.runnerRequestId, runnerOS: 'Linux', ...(offer.billingOwnerId && { billingOwnerId: offer.billingOwnerId }) },
    });
    if (r.status !== 200) throw fail('acquirejob', r.status, r.text);
    const header = r.headers['x-plan-id'];
    return { message: r.text, planIdHeader: typeof header === 'string' && header !== '' ? header : undefined };
  }

  /** Deletes the session (best effort). */
  async close(): Promise<void> {
    await call('DELETE', join(this.jit.brokerUrl, 'session'), { token: this.token, dispatcher: this.dispatcher, timeoutMs: 10_000 }).catch(() => undefined);
  }
}
