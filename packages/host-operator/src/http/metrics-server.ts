/** `GET /metrics` from a prom-client registry, with the registry's own content type. */
import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import type { BindAddress } from './bind-address.js';
import { listen, type RunningServer } from './serve.js';

/**
 * Serves `registry` at `/metrics` on `address`. `render` writes the text (the AGC passes the metrics
 * package's faster `renderExposition`); `registry.metrics()` when absent.
 */
export async function startMetricsServer(registry: Registry, address: BindAddress, render: (registry: Registry) => Promise<string> = (r) => r.metrics()): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    render(registry).then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`metrics: ${String(err)}\n`),
    );
  });
  return listen(server, address);
}
