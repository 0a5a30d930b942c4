// Fault injection (spec §15.4): per endpoint, optionally per session or owner; once, N times, for a duration, or always.
import { randomUUID } from './crypto.js';
import type { Ctx } from './http.js';
import type { World } from './world.js';

/** The body shape an injected status is sent with. */
export type FaultShape = 'broker' | 'run-service' | 'actions' | 'rest' | 'oauth' | 'text' | 'empty';

/** What an injected fault does to a matching request. */
export interface FaultAction {
  /** Answer with this status (omit with `latencyMs` alone to delay and then serve normally). */
  status?: number;
  shape?: FaultShape;
  message?: string;
  /** broker `errorKind`, Actions `typeName`, or OAuth `error`. */
  errorKind?: string;
  activityId?: boolean;
  requestId?: boolean;
  /** `Retry-After` as delta-seconds, as an HTTP-date that many seconds ahead, or absent when omitted. */
  retryAfter?: { seconds: number; format?: 'seconds' | 'http-date' };
  /** `before-headers`: accept and never answer; `mid-body`: send headers and part of the body, then stall. */
  blackhole?: 'before-headers' | 'mid-body';
  /** Destroy the socket (mid-response when `blackhole` is unset). */
  reset?: boolean;
  latencyMs?: number;
  /** Replace the body with exactly this text (e.g. an Envoy-style 503 line or a BOM-prefixed JSON). */
  rawBody?: string;
}

/** An injection rule. Matching rules fire in the order they were added; the first one wins. */
export interface FaultRule {
  method?: string;
  /** A path glob against the request path (after any `/api/v3`): `*` within a segment, `**` across segments. */
  path: string;
  /** Only requests of this classic/scale-set session (by `sessionId` query or the session bound to the bearer). */
  session?: string;
  /** Only requests for this org/owner (REST path, or the session's runner owner). */
  owner?: string;
  action: FaultAction;
  /** How many times it fires (default 1, or unlimited inside `forMs`). `always: true` for ever. */
  times?: number;
  always?: boolean;
  /** Fires only for this long after it was added (fake clock). */
  forMs?: number;
}

export interface ActiveFault extends FaultRule {
  id: string;
  fired: number;
  addedAt: number;
}

function globToRegExp(glob: string): RegExp {
  const esc = (t: string): string => t.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const re = glob.split('**').map((part) => part.split('*').map(esc).join('[^/]*')).join('.*');
  return new RegExp(`^${re}/?$`);
}

export class Faults {
  rules: ActiveFault[] = [];
  constructor(private readonly world: World) {}

  add(rule: FaultRule): ActiveFault {
    if (typeof rule.path !== 'string' || !rule.action || typeof rule.action !== 'object') throw new Error('inject: rule needs a path glob and an action');
    const active: ActiveFault = { ...rule, id: randomUUID(), fired: 0, addedAt: this.world.clock.now() };
    this.rules.push(active);
    return active;
  }

  /** The rule that applies to this request, counted as fired; undefined when none does. */
  take(ctx: Ctx): ActiveFault | undefined {
    const now = this.world.clock.now();
    this.rules = this.rules.filter((r) => (r.forMs === undefined || now - r.addedAt < r.forMs) && (r.always || r.fired < (r.times ?? (r.forMs !== undefined ? Infinity : 1))));
    for (const r of this.rules) {
      if (r.method && r.method.toUpperCase() !== ctx.method) continue;
      if (!globToRegExp(r.path).test(ctx.path)) continue;
      if (r.session && this.sessionOf(ctx) !== r.session) continue;
      if (r.owner && this.ownerOf(ctx) !== r.owner) continue;
      r.fired++;
      return r;
    }
    return undefined;
  }

  private sessionOf(ctx: Ctx): string | undefined {
    if (ctx.query.sessionId) return ctx.query.sessionId;
    for (const s of this.world.sessions.values()) if (s.token === ctx.token && s.status === 'active') return s.sessionId;
    for (const set of this.world.scaleSets.values()) if (set.session && set.session.queueToken === ctx.token) return set.session.sessionId;
    return undefined;
  }

  private ownerOf(ctx: Ctx): string | undefined {
    const m = /^\/(?:orgs|repos)\/([^/]+)/.exec(ctx.path);
    if (m) return m[1];
    const sid = this.sessionOf(ctx);
    const s = sid ? this.world.sessions.get(sid) : undefined;
    const runner = s ? this.world.runners.get(s.runnerId) ?? this.world.tombstones.get(s.runnerId) : undefined;
    if (runner) return runner.owner;
    const tok = ctx.token ? this.world.tokens.get(ctx.token) : undefined;
    const r2 = tok?.kind === 'runner-oauth' ? this.world.runners.get(Number(tok.subject)) : undefined;
    return r2?.owner;
  }
}

function body(action: FaultAction, status: number): { type: string; text: string } {
  if (action.rawBody !== undefined) return { type: action.shape === 'text' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', text: action.rawBody };
  const message = action.message ?? `Injected fault ${status}`;
  const json = (o: unknown): { type: string; text: string } => ({ type: 'application/json; charset=utf-8', text: JSON.stringify(o) });
  switch (action.shape ?? 'rest') {
    case 'broker':
      return json({ source: 'actions-broker-listener', ...(action.errorKind ? { errorKind: action.errorKind } : {}), statusCode: status, errorMessage: message });
    case 'run-service':
      return json({ source: 'actions-run-service', statusCode: status, errorMessage: message });
    case 'actions':
      return json({ typeName: action.errorKind ?? 'GitHub.DistributedTask.WebApi.InjectedException', message, errorCode: 0, eventId: 0 });
    case 'oauth':
      return json({ error: action.errorKind ?? 'invalid_client', error_description: message });
    case 'text':
      return { type: 'text/plain; charset=utf-8', text: action.message ?? `upstream connect error or disconnect/reset before headers. reset reason: overflow` };
    case 'empty':
      return { type: '', text: '' };
    case 'rest':
      return json({ message, documentation_url: 'https://docs.github.com/rest', status: String(status) });
  }
}

/**
 * Applies a fault. Returns true when the response is taken over (answered, stalled or reset); false when the
 * request should be served normally (latency-only rules), after the delay.
 */
export async function applyFault(world: World, ctx: Ctx, rule: ActiveFault): Promise<boolean> {
  const a = rule.action;
  if (a.latencyMs) await new Promise<void>((resolve) => world.clock.setTimeout(resolve, a.latencyMs!));
  if (a.blackhole === 'before-headers') {
    ctx.status = 0;
    return true;
  }
  if (a.reset && !a.blackhole && a.status === undefined) {
    ctx.status = 0;
    ctx.req.socket.destroy();
    return true;
  }
  if (a.status === undefined && !a.blackhole) return false;
  const status = a.status ?? 200;
  const { type, text } = body(a, status);
  const headers: Record<string, string> = {};
  if (type) headers['content-type'] = type;
  if (a.activityId) headers.activityid = randomUUID();
  if (a.requestId) headers['x-github-request-id'] = `FAKE:${randomUUID().slice(0, 8).toUpperCase()}`;
  if (a.retryAfter) {
    headers['retry-after'] = a.retryAfter.format === 'http-date'
      ? new Date(world.clock.now() + a.retryAfter.seconds * 1000).toUTCString()
      : String(a.retryAfter.seconds);
  }
  ctx.status = status;
  const bytes = Buffer.from(text || '{"partial":"the rest of this body never arrives"}');
  if (a.blackhole === 'mid-body' || a.reset) {
    headers['content-length'] = String(bytes.length);
    ctx.res.writeHead(status, headers);
    ctx.res.write(bytes.subarray(0, Math.max(1, bytes.length >> 1)));
    if (a.reset) setImmediate(() => ctx.req.socket.destroy());
    return true;
  }
  headers['content-length'] = String(Buffer.byteLength(text));
  ctx.res.writeHead(status, headers);
  ctx.res.end(text);
  return true;
}
