/**
 * Raw requests through a client-node `KubeConfig` (its auth, CA, client certs, skipTLSVerify), on
 * `node:http(s)`. The informer needs two things client-node 1.4's `Watch` cannot give: an abort that
 * works before the response headers arrive (a server that accepts and never answers), and a signal for
 * every byte received (the liveness watchdog). Typed writes still go through client-node's APIs.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeError, kubeErrorFrom } from './kube-error.js';

/** Query parameters; undefined values are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** Builds the absolute URL of an API path on the current cluster. */
export function apiUrl(kc: KubeConfig, path: string, query: Query = {}): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

/** Opens a request and resolves with the response once headers arrive; aborting `signal` rejects at any time. */
export async function openRequest(
  kc: KubeConfig,
  method: string,
  url: URL,
  signal: AbortSignal,
  body?: string,
  contentType = 'application/json',
): Promise<http.IncomingMessage> {
  const opts: https.RequestOptions = { headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const headers = { ...(opts.headers as Record<string, string>) };
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { ...opts, method, headers, signal }, resolve);
    req.on('error', (err) => reject(new KubeError(0, '', `${method} ${url.pathname}: ${err.message}`, undefined, { cause: err })));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Reads a whole response body as text. */
export async function readText(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** GETs a JSON document; non-2xx answers become a {@link KubeError}. */
export async function getJson<T>(kc: KubeConfig, path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const res = await openRequest(kc, 'GET', apiUrl(kc, path, query), signal ?? new AbortController().signal);
  const text = await readText(res);
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw kubeErrorFrom(status, text, res.headers);
  return JSON.parse(text) as T;
}
