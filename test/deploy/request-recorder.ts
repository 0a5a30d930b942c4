// A recording reverse proxy on 127.0.0.1 in front of an API server: the tests point a host at it and read
// back every request as the RBAC attributes Kubernetes would authorize (verb, API group, resource,
// subresource, namespace, name).
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request, as RBAC sees it. */
export interface RbacRequest {
  readonly verb: string;
  readonly group: string;
  /** The resource plural, with the subresource as `plural/sub`. */
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly status: number;
}

/** A running recorder. */
export interface RequestRecorder {
  readonly url: string;
  readonly requests: RbacRequest[];
  close(): Promise<void>;
}

/** The RBAC view of a request; undefined for discovery and other non-resource paths. */
export function rbacAttributes(method: string, rawPath: string, status: number): RbacRequest[] {
  const url = new URL(rawPath, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else return [];
  if (rest.length === 0) return [];
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, sub] = rest;
  const resource = sub ? `${plural}/${sub}` : plural!;
  const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
  const verbs: string[] = [];
  switch (method) {
    case 'GET':
      verbs.push(name === undefined ? (watch ? 'watch' : 'list') : watch ? 'watch' : 'get');
      break;
    case 'POST':
      verbs.push('create');
      break;
    case 'PUT':
      verbs.push('update');
      break;
    case 'PATCH':
      verbs.push('patch');
      // A patch that creates the object (server-side apply) is also authorized as create.
      if (status === 201) verbs.push('create');
      break;
    case 'DELETE':
      verbs.push(name === undefined ? 'deletecollection' : 'delete');
      break;
    default:
      verbs.push(method.toLowerCase());
  }
  return verbs.map((verb) => ({ verb, group, resource, namespace, name, status }));
}

/** Starts a recorder forwarding to `target` (http://127.0.0.1:PORT). */
export async function startRequestRecorder(target: string): Promise<RequestRecorder> {
  const upstream = new URL(target);
  const requests: RbacRequest[] = [];
  const server: Server = createServer((req, res) => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        requests.push(...rbacAttributes(req.method ?? 'GET', req.url ?? '/', upstreamRes.statusCode ?? 0));
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
