// The plaintext health and metrics listener (8081): /healthz, /readyz, /metrics.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** What the health server reads on each request. */
export interface HealthSource {
  /** True once listeners are bound and until a drain begins. */
  isReady(): boolean;
  readonly registry: Registry;
}

/** Creates (not yet listening) the health server. */
export function createHealthServer(source: HealthSource): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = source.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    } else if (path === '/metrics') {
      source.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': source.registry.contentType }).end(text),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  // The seed's timeouts for every HTTP server: 5 s to send headers, 60 s keep-alive idle.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 60_000;
  return server;
}
