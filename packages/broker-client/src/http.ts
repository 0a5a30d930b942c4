import { request, type Dispatcher } from 'undici';
import { BrokerClientError } from './errors.js';

/** Transport settings shared by every client of this package. */
export interface HttpOptions {
  /** undici dispatcher (an Agent, a ProxyAgent for the egress proxy, a MockAgent); default: undici's global one. */
  readonly dispatcher?: Dispatcher;
  /** Sent on every request; GitHub REST requires one. */
  readonly userAgent?: string;
  /** Largest response body read, in bytes; beyond it the call fails with `body_too_large`. Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /** Deadline for response headers on control calls. Default 30 s. */
  readonly headersTimeoutMs?: number;
  /** Deadline for the whole control call, body included. Default 30 s. */
  readonly deadlineMs?: number;
}

/** Default response size cap: a job message is tens of KiB, a JIT blob ~4 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Per-call deadline for control calls (OAuth, session, acquire, renew, complete, REST). */
export const DEFAULT_CALL_DEADLINE_MS = 30_000;
export const DEFAULT_USER_AGENT = 'actions-gateway-broker-client/0.1.0 GitHubActionsRunner-compatible';

/** One request. */
export interface HttpRequest {
  readonly operation: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  readonly headersTimeoutMs?: number;
  readonly deadlineMs?: number;
}

/** A fully read response; `text` is UTF-8 with any byte-order mark removed. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly text: string;
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

const decoder = new TextDecoder('utf-8'); // strips a leading BOM (ignoreBOM defaults to false)

/**
 * Sends one request with two real-time bounds: a response-header deadline (a black-holed server is cut off)
 * and an overall deadline (a stalled body is cut off). The body is read up to the size cap. Never retries:
 * callers decide, because the long-poll must never be retried inside the client.
 */
export async function httpSend(options: HttpOptions, req: HttpRequest): Promise<HttpResponse> {
  const headersTimeoutMs = req.headersTimeoutMs ?? options.headersTimeoutMs ?? DEFAULT_CALL_DEADLINE_MS;
  const deadlineMs = Math.max(req.deadlineMs ?? options.deadlineMs ?? DEFAULT_CALL_DEADLINE_MS, headersTimeoutMs);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const controller = new AbortController();
  let stop: 'headers' | 'deadline' | 'caller' | undefined;
  const abort = (why: 'headers' | 'deadline' | 'caller') => (): void => {
    stop ??= why;
    controller.abort(new Error(`request stopped: ${why}`));
  };
  const headerTimer = setTimeout(abort('headers'), headersTimeoutMs);
  const deadlineTimer = setTimeout(abort('deadline'), deadlineMs);
  const onCallerAbort = abort('caller');
  if (req.signal?.aborted) onCallerAbort();
  req.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const fail = (kind: 'timeout' | 'network' | 'aborted' | 'truncated_body', phase: string, cause: unknown): BrokerClientError => {
    if (stop === 'caller') return new BrokerClientError('aborted', `${req.operation}: aborted by the caller`, { operation: req.operation, cause });
    if (stop === 'headers')
      return new BrokerClientError('timeout', `${req.operation}: no response headers within ${headersTimeoutMs} ms`, { operation: req.operation, cause });
    if (stop === 'deadline')
      return new BrokerClientError('timeout', `${req.operation}: no complete response within ${deadlineMs} ms`, { operation: req.operation, cause });
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new BrokerClientError(kind, `${req.operation}: ${phase}: ${detail}`, { operation: req.operation, cause });
  };
  try {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: req.method,
        headers: { 'user-agent': options.userAgent ?? DEFAULT_USER_AGENT, ...req.headers },
        ...(req.body !== undefined && { body: req.body }),
        ...(options.dispatcher !== undefined && { dispatcher: options.dispatcher }),
        signal: controller.signal,
        // undici's own timers as a backstop behind ours.
        headersTimeout: headersTimeoutMs + 1_000,
        bodyTimeout: deadlineMs + 1_000,
      });
    } catch (cause) {
      throw fail('network', 'request failed', cause);
    }
    clearTimeout(headerTimer);
    const headers = flattenHeaders(res.headers);
    const announced = Number(headers['content-length']);
    if (Number.isFinite(announced) && announced > maxBytes) {
      discard(res.body);
      throw tooLarge(req.operation, res.statusCode, maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > maxBytes) {
          discard(res.body);
          throw tooLarge(req.operation, res.statusCode, maxBytes);
        }
        chunks.push(buf);
      }
    } catch (cause) {
      if (cause instanceof BrokerClientError) throw cause;
      throw fail('truncated_body', `response body cut off after ${size} bytes`, cause);
    }
    return { status: res.statusCode, headers, text: decoder.decode(Buffer.concat(chunks)) };
  } finally {
    clearTimeout(headerTimer);
    clearTimeout(deadlineTimer);
    req.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** Drops a body we will not read; its abort error has nowhere useful to go. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function tooLarge(operation: string, status: number, maxBytes: number): BrokerClientError {
  return new BrokerClientError('body_too_large', `${operation}: response body larger than ${maxBytes} bytes`, { operation, status });
}

/** Parses a JSON body; anything else is a typed `malformed_body` error, never a crash. */
export function parseJsonBody(operation: string, res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text) as unknown;
  } catch (cause) {
    const preview = res.text.length === 0 ? 'an empty body' : `${JSON.stringify(res.text.slice(0, 80))}`;
    throw new BrokerClientError('malformed_body', `${operation}: HTTP ${res.status} body is not JSON (${preview})`, {
      operation,
      status: res.status,
      cause,
    });
  }
}

/** Reads a JSON object body and hands a typed field reader to `pick`, which throws `malformed_body` on a missing field. */
export function readJsonObject<T>(operation: string, res: HttpResponse, pick: (f: FieldReader) => T): T {
  const value = parseJsonBody(operation, res);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BrokerClientError('malformed_body', `${operation}: HTTP ${res.status} body is not a JSON object`, { operation, status: res.status });
  }
  return pick(new FieldReader(operation, res.status, value as Record<string, unknown>));
}

/** Typed access to a JSON object's fields, with errors that name the field. */
export class FieldReader {
  constructor(
    private readonly operation: string,
    private readonly status: number,
    readonly raw: Record<string, unknown>,
  ) {}

  #bad(name: string, expected: string): BrokerClientError {
    return new BrokerClientError('malformed_body', `${this.operation}: response field "${name}" is missing or not ${expected}`, {
      operation: this.operation,
      status: this.status,
    });
  }

  /** Case-insensitive lookup (.NET services are lax about casing). */
  get(name: string): unknown {
    if (name in this.raw) return this.raw[name];
    const lower = name.toLowerCase();
    for (const [k, v] of Object.entries(this.raw)) if (k.toLowerCase() === lower) return v;
    return undefined;
  }

  string(name: string): string {
    const v = this.get(name);
    if (typeof v !== 'string' || v === '') throw this.#bad(name, 'a non-empty string');
    return v;
  }

  optionalString(name: string): string | undefined {
    const v = this.get(name);
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  number(name: string): number {
    const v = this.get(name);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    throw this.#bad(name, 'a number');
  }

  optionalNumber(name: string): number | undefined {
    const v = this.get(name);
    return v === undefined || v === null ? undefined : this.number(name);
  }

  object(name: string): FieldReader {
    const v = this.get(name);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.#bad(name, 'an object');
    return new FieldReader(this.operation, this.status, v as Record<string, unknown>);
  }

  optionalObject(name: string): FieldReader | undefined {
    const v = this.get(name);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? this.object(name) : undefined;
  }

  array(name: string): unknown[] {
    const v = this.get(name);
    if (!Array.isArray(v)) throw this.#bad(name, 'an array');
    return v;
  }
}
