// The request context every handler sees, and the error envelopes of each service family (spec §1.3).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CredentialKind, TokenRecord } from './state.js';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** path with any `/api/v3` prefix removed */
  path: string;
  rawPath: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  rawBody: string;
  body: unknown;
  bodyError?: string;
  scheme?: string;
  token?: string;
  credential: CredentialKind;
  tokenRecord?: TokenRecord;
  status: number;
}

export const DOCS_URL = 'https://docs.github.com/rest';

export function sendJson(ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  ctx.status = status;
  ctx.res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  ctx.res.end(text);
}

export function sendText(ctx: Ctx, status: number, text: string, headers: Record<string, string> = {}): void {
  ctx.status = status;
  ctx.res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  ctx.res.end(text);
}

export function sendEmpty(ctx: Ctx, status: number, headers: Record<string, string> = {}): void {
  ctx.status = status;
  ctx.res.writeHead(status, { 'content-length': '0', ...headers });
  ctx.res.end();
}

export const restError = (ctx: Ctx, status: number, message: string): void =>
  sendJson(ctx, status, { message, documentation_url: DOCS_URL, status: String(status) });

export const brokerError = (ctx: Ctx, status: number, errorKind: string | undefined, errorMessage: string): void =>
  sendJson(ctx, status, { source: 'actions-broker-listener', ...(errorKind ? { errorKind } : {}), statusCode: status, errorMessage });

export const runServiceError = (ctx: Ctx, status: number, errorMessage: string): void =>
  sendJson(ctx, status, { source: 'actions-run-service', statusCode: status, errorMessage });

export const actionsException = (ctx: Ctx, status: number, typeName: string, message: string): void =>
  sendJson(ctx, status, { typeName, message, errorCode: 0, eventId: 0 });

export const oauthError = (ctx: Ctx, status: number, error: string, description: string): void =>
  sendJson(ctx, status, { error, error_description: description });

/** Field readers for untyped JSON bodies: they never throw, they return undefined. */
export function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[key] : undefined;
}

export function str(body: unknown, key: string): string | undefined {
  const v = field(body, key);
  return typeof v === 'string' ? v : undefined;
}

export function num(body: unknown, key: string): number | undefined {
  const v = field(body, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Matches `/a/{x}/b` style patterns; returns the named parameters or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const a = path.replace(/\/+$/, '').split('/');
  const q = pattern.endsWith('/') ? p.slice(0, -1) : p;
  if (q.length !== a.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < q.length; i++) {
    const seg = q[i]!;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (!a[i]) return undefined;
      out[seg.slice(1, -1)] = decodeURIComponent(a[i]!);
    } else if (seg !== a[i]) return undefined;
  }
  return out;
}
