// The stand-in's HTTP: undici `request` over the given dispatcher, JSON in and out, bounded in time.
import { request, type Dispatcher } from 'undici';

/** A completed exchange. */
export interface Reply {
  readonly status: number;
  readonly text: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** One call; `body` is JSON unless `form` is given. Aborts after `timeoutMs` (default 30 s) or with `signal`. */
export async function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: { token?: string; body?: unknown; form?: Record<string, string>; dispatcher?: Dispatcher | undefined; signal?: AbortSignal | undefined; timeoutMs?: number } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'actions-gateway-stand-in-runner' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const res = await request(url, { method, headers, ...(body !== undefined && { body }), signal, ...(options.dispatcher && { dispatcher: options.dispatcher }) });
  const text = (await res.body.text()).replace(/^\uFEFF/, '');
  return { status: res.statusCode, text, headers: res.headers };
}

/** The JSON object of a reply; throws naming the call when it is not one. */
export function jsonOf(what: string, reply: Reply): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(reply.text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new Error(`${what}: HTTP ${reply.status} body is not a JSON object`);
}

/** Joins a base URL (with or without a trailing slash) and a relative path. */
export const join = (base: string, path: string): string => `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
