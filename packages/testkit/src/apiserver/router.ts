// HTTP routing: turns a request into a verb on a resource, with the real server's URLs and query options.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeBody, readBody } from './body.js';
import type { Clock } from '../clock.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, serverVersion } from './discovery.js';
import { ApiError, badRequest, methodNotAllowed, notFound } from './errors.js';
import type { Faults, RequestInfo, Verb } from './faults.js';
import { faultError } from './faults.js';
import type { Obj } from './json.js';
import { asObj, isObj, meta } from './json.js';
import type { Registry, ResourceType } from './registry.js';
import { apiVersionOf } from './registry.js';
import type { DeleteOptions, Resources, WriteOptions } from './resources.js';
import { patchTypes } from './resources.js';
import { jsonPatch, mergePatch, strategicMerge } from './patch.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Store } from './store.js';
import { toTable, wantsTable } from './table.js';
import { serveWatch } from './watch.js';

/** Serves a non-resource path (OpenAPI) or returns false. */
export type ExtraRoute = (path: string, query: URLSearchParams, req: IncomingMessage) => { status: number; body: unknown; type?: string } | undefined;

/** Eviction is handled by the kubelet side (it owns pod phases). */
export type EvictionHandler = (ns: string, name: string, body: unknown) => Promise<Obj>;

/** A pod's container output (`pods/log`), from the kubelet. */
export type PodLogHandler = (ns: string, name: string) => string;

/** Everything the router needs. */
export interface RouterContext {
  registry: Registry;
  store: Store;
  api: Resources;
  faults: Faults;
  clock: Clock;
  token: string;
  /** Refuse requests without the bearer token (HTTPS); over HTTP a missing token is let through. */
  requireAuth: boolean;
  hostPort: () => string;
  bookmarkIntervalMs: number;
  extraRoutes: ExtraRoute[];
  evict?: EvictionHandler;
  podLog?: PodLogHandler;
}

interface Target {
  rt: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', `Internal error occurred: ${(e as Error)?.message ?? String(e)}`);
  send(res, err.code, err.toStatus(), err.headers);
}

function resolveTarget(registry: Registry, group: string, version: string, segs: string[]): Target | undefined {
  let namespace: string | undefined;
  let rest = segs;
  if (segs[0] === 'namespaces' && segs.length >= 3 && registry.byPlural(group, version, segs[2]!)) {
    namespace = segs[1];
    rest = segs.slice(2);
  }
  const [plural, name, sub, ...more] = rest;
  if (!plural || more.length) return undefined;
  const rt = registry.byPlural(group, version, plural);
  if (!rt) return undefined;
  if (namespace !== undefined && !rt.namespaced) return undefined;
  if (sub !== undefined && !rt.subresources.includes(sub)) return undefined;
  return { rt, namespace, name, sub };
}

function verbOf(method: string, t: Target, q: URLSearchParams): Verb | undefined {
  const one = t.name !== undefined;
  // The all-namespaces path of a namespaced kind only lists and watches.
  if (t.rt.namespaced && t.namespace === undefined && method !== 'GET') return undefined;
  if (t.sub === 'log') return method === 'GET' ? 'get' : undefined;
  if (t.sub === 'eviction') return method === 'POST' ? 'create' : undefined;
  switch (method) {
    case 'GET':
      return one ? 'get' : q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list';
    case 'POST':
      return one && t.sub !== 'eviction' ? undefined : 'create';
    case 'PUT':
      return one ? 'update' : undefined;
    case 'PATCH':
      return one ? 'patch' : undefined;
    case 'DELETE':
      return one ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

function writeOptions(q: URLSearchParams, req: IncomingMessage, warnings: string[]): WriteOptions {
  const agent = String(req.headers['user-agent'] ?? 'unknown');
  const dry = q.getAll('dryRun');
  if (dry.some((d) => d !== 'All')) throw badRequest(`Invalid dry run value: ${dry.join(',')}`);
  const fv = q.get('fieldValidation') ?? 'Ignore';
  if (!['Strict', 'Warn', 'Ignore'].includes(fv)) throw badRequest(`fieldValidation parameter unsupported: ${fv}`);
  return {
    fieldManager: q.get('fieldManager') ?? agent.split('/')[0],
    dryRun: dry.includes('All'),
    fieldValidation: fv,
    force: q.get('force') === 'true',
    warnings,
    user: 'admin',
  };
}

function listOf(rt: ResourceType, items: Obj[], rv: string, cont?: string, remaining?: number): Obj {
  return {
    kind: `${rt.kind}List`,
    apiVersion: apiVersionOf(rt),
    metadata: { resourceVersion: rv, ...(cont ? { continue: cont, remainingItemCount: remaining } : {}) },
    items,
  };
}

function successStatus(t: Target, o: Obj): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: meta(o).name, group: t.rt.group, kind: t.rt.plural, uid: meta(o).uid },
  };
}

/** Kinds whose DELETE answers with the object rather than a Status, as their real registries do. */
const returnsDeletedObject = (rt: ResourceType): boolean => !!rt.custom || (rt.group === '' && ['Pod', 'Namespace', 'Service'].includes(rt.kind));

/** Handles one request end to end; never throws. */
export async function route(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await routeUnsafe(ctx, req, res);
  } catch (e) {
    sendError(res, e);
  }
}

async function routeUnsafe(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  if (path === '/healthz' || path === '/readyz' || path === '/livez') return send(res, 200, 'ok', {}, 'text/plain');
  // Over plain HTTP kubectl sends no credentials (like the old insecure port), so only a wrong token is refused there.
  const auth = req.headers.authorization;
  if (auth !== `Bearer ${ctx.token}` && (ctx.requireAuth || auth !== undefined)) {
    return send(res, 401, new ApiError(401, 'Unauthorized', 'Unauthorized').toStatus());
  }
  const segs = path.split('/').filter(Boolean);
  let target: Target | undefined;
  let info: RequestInfo = { verb: 'nonresource', resource: path, path };
  if (segs[0] === 'api' && segs[1] === 'v1' && segs.length > 2) target = resolveTarget(ctx.registry, '', 'v1', segs.slice(2));
  if (segs[0] === 'apis' && segs.length > 3) target = resolveTarget(ctx.registry, segs[1]!, segs[2]!, segs.slice(3));
  let verb: Verb | undefined;
  if (target) {
    verb = verbOf(method, target, q);
    if (!verb) throw methodNotAllowed();
    info = { verb, resource: target.sub ? `${target.rt.plural}/${target.sub}` : target.rt.plural, path, ...(target.namespace ? { namespace: target.namespace } : {}), ...(target.name ? { name: target.name } : {}) };
  }
  const fault = ctx.faults.match(info);
  if (fault?.latencyMs) await sleep(fault.latencyMs);
  if (fault?.hang) {
    req.socket.setTimeout(0);
    return;
  }
  if (fault && fault.error !== undefined) throw faultError(fault);

  if (!target) return nonResource(ctx, req, res, path, segs, q);
  const warnings: string[] = [];
  const t = target;
  const rt = t.rt;
  const accept = req.headers.accept;
  const table = wantsTable(accept);
  const includeObject = q.get('includeObject') ?? 'Metadata';
  const now = ctx.clock.now();
  const withWarnings = (): Record<string, string> => (warnings.length ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : {});

  switch (verb) {
    case 'get': {
      const o = ctx.api.get(rt, t.namespace, t.name!);
      if (t.sub === 'scale') return send(res, 200, scaleOf(rt, o));
      if (t.sub === 'log') return send(res, 200, ctx.podLog?.(t.namespace!, t.name!) ?? '', {}, 'text/plain');
      return send(res, 200, table ? toTable(rt, [o], now, includeObject, { resourceVersion: meta(o).resourceVersion }) : o);
    }
    case 'list': {
      const select = combine(parseLabelSelector(q.get('labelSelector')), parseFieldSelector(q.get('fieldSelector'), rt.kind));
      const limit = q.get('limit') ? Number(q.get('limit')) : undefined;
      const page = ctx.api.list(rt, t.namespace, select, limit, q.get('continue') ?? undefined);
      if (table) {
        return send(res, 200, toTable(rt, page.items, now, includeObject, { resourceVersion: page.resourceVersion, ...(page.continue ? { continue: page.continue } : {}) }));
      }
      return send(res, 200, listOf(rt, page.items.map((i) => ({ ...i })), page.resourceVersion, page.continue, page.remaining));
    }
    case 'watch': {
      const select = combine(parseLabelSelector(q.get('labelSelector')), parseFieldSelector(q.get('fieldSelector'), rt.kind));
      const timeout = q.get('timeoutSeconds');
      const fieldName = t.name;
      return serveWatch(ctx.store, res, {
        rt,
        namespace: t.namespace,
        select: fieldName ? (o) => meta(o).name === fieldName && select(o) : select,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        bookmarks: q.get('allowWatchBookmarks') === 'true',
        timeoutSeconds: timeout ? Number(timeout) : undefined,
        bookmarkIntervalMs: ctx.bookmarkIntervalMs,
        encode: table ? (o) => toTable(rt, [o], ctx.clock.now(), includeObject, { resourceVersion: meta(o).resourceVersion }) : (o) => o,
        track: (cut) => ctx.faults.trackWatch(cut),
        ...(fault?.watch === 'cut' ? { cutAfter: fault.cutAfterEvents ?? 0 } : {}),
        ...(fault?.watch === 'hang' ? { hang: true } : {}),
      });
    }
    case 'create': {
      const body = decodeBody(await readBody(req), req.headers['content-type']);
      if (t.sub === 'eviction') {
        if (!ctx.evict) throw notFound(rt.plural, rt.group, t.name!);
        return send(res, 201, await ctx.evict(t.namespace!, t.name!, body));
      }
      const created = await ctx.api.create(rt, t.namespace, body, writeOptions(q, req, warnings));
      return send(res, 201, created, withWarnings());
    }
    case 'update': {
      const body = decodeBody(await readBody(req), req.headers['content-type']);
      const existed = ctx.store.get(rt, t.namespace, t.name!) !== undefined;
      if (t.sub === 'scale') return send(res, 200, await updateScale(ctx, t, body, writeOptions(q, req, warnings)));
      const updated = await ctx.api.update(rt, t.namespace, t.name!, body, writeOptions(q, req, warnings), t.sub);
      return send(res, existed ? 200 : 201, updated, withWarnings());
    }
    case 'patch': {
      const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
      const type = patchTypes[ct];
      if (!type) {
        throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.keys(patchTypes).join(', ')}`);
      }
      if (type === 'apply' && !q.get('fieldManager')) {
        throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      }
      const body = decodeBody(await readBody(req), type === 'apply' ? 'application/yaml' : 'application/json');
      if (t.sub === 'scale') {
        // The patch applies to the Scale view; only its spec.replicas flows back to the object.
        const current = scaleOf(rt, ctx.api.get(rt, t.namespace, t.name!));
        const wanted = type === 'json' ? jsonPatch(current, body) : type === 'merge' ? mergePatch(current, body) : strategicMerge(current, body);
        return send(res, 200, await updateScale(ctx, t, wanted, writeOptions(q, req, warnings)));
      }
      const existed = ctx.store.get(rt, t.namespace, t.name!) !== undefined;
      const patched = await ctx.api.patch(rt, t.namespace, t.name!, type, body, writeOptions(q, req, warnings), t.sub);
      return send(res, existed ? 200 : 201, patched, withWarnings());
    }
    case 'delete': {
      const opts = await deleteOptions(req, q, warnings);
      const { object, gone } = await ctx.api.delete(rt, t.namespace, t.name!, opts);
      if (gone && !returnsDeletedObject(rt)) return send(res, 200, successStatus(t, object));
      return send(res, gone ? 200 : 202, object);
    }
    case 'deletecollection': {
      const opts = await deleteOptions(req, q, warnings);
      const select = combine(parseLabelSelector(q.get('labelSelector')), parseFieldSelector(q.get('fieldSelector'), rt.kind));
      const victims = ctx.api.list(rt, t.namespace, select).items;
      for (const v of victims) await ctx.api.delete(rt, meta(v).namespace as string | undefined, String(meta(v).name), opts);
      return send(res, 200, listOf(rt, victims, String(ctx.store.resourceVersion)));
    }
    default:
      throw methodNotAllowed();
  }
}

function combine(a: (o: Obj) => boolean, b: (o: Obj) => boolean): (o: Obj) => boolean {
  return (o) => a(o) && b(o);
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams, warnings: string[]): Promise<DeleteOptions> {
  const buf = await readBody(req);
  const body = buf.length ? asObj(decodeBody(buf, 'application/json')) : {};
  const grace = q.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  const policy = q.get('propagationPolicy') ?? body.propagationPolicy ?? (q.get('orphanDependents') === 'true' || body.orphanDependents === true ? 'Orphan' : undefined);
  const dry = [...q.getAll('dryRun'), ...(Array.isArray(body.dryRun) ? body.dryRun.map(String) : [])];
  return {
    ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    ...(typeof policy === 'string' ? { propagationPolicy: policy } : {}),
    ...(isObj(body.preconditions) ? { preconditions: body.preconditions } : {}),
    dryRun: dry.includes('All'),
    warnings,
  };
}

function scaleOf(rt: ResourceType, o: Obj): Obj {
  const m = meta(o);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(asObj(o.spec).replicas ?? 0) },
    status: { replicas: Number(asObj(o.status).replicas ?? 0), selector: Object.entries(asObj(asObj(asObj(o.spec).selector).matchLabels)).map(([k, v]) => `${k}=${String(v as string)}`).join(',') },
  };
  void rt;
}

async function updateScale(ctx: RouterContext, t: Target, body: unknown, o: WriteOptions): Promise<Obj> {
  const replicas = asObj(asObj(body).spec).replicas;
  if (typeof replicas !== 'number') throw badRequest('spec.replicas is required');
  const patched = await ctx.api.patch(t.rt, t.namespace, t.name!, 'merge', { spec: { replicas } }, o);
  return scaleOf(t.rt, patched);
}

function nonResource(ctx: RouterContext, req: IncomingMessage, res: ServerResponse, path: string, segs: string[], q: URLSearchParams): void {
  if (req.method !== 'GET') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (path === '/version') return send(res, 200, serverVersion);
  if (path === '/api') return send(res, 200, apiVersions(ctx.hostPort()));
  if (path === '/apis') return send(res, 200, apiGroupList(ctx.registry));
  if (path === '/api/v1') return send(res, 200, apiResourceList(ctx.registry, '', 'v1'));
  if (segs[0] === 'apis' && segs.length === 2) {
    const g = apiGroup(ctx.registry, segs[1]!);
    if (g) return send(res, 200, g);
  }
  if (segs[0] === 'apis' && segs.length === 3) {
    const l = apiResourceList(ctx.registry, segs[1]!, segs[2]!);
    if (l) return send(res, 200, l);
  }
  for (const extra of ctx.extraRoutes) {
    const r = extra(path, q, req);
    if (r) return send(res, r.status, r.body, {}, r.type ?? 'application/json');
  }
  throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}
