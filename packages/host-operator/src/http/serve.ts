/** Starting and closing Node HTTP(S) servers with a bounded graceful close. */
import type { Server } from 'node:http';
import type { BindAddress } from './bind-address.js';

/** A listening server and how to close it. */
export interface RunningServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Stops accepting, waits for in-flight requests up to `graceMs` (5 s), then drops the rest. */
  close(graceMs?: number): Promise<void>;
}

/** Listens on `address` and resolves once bound. */
export function listen(server: Server, address: BindAddress): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address();
      const port = typeof bound === 'object' && bound ? bound.port : address.port;
      resolve({
        port,
        close: (graceMs = 5000) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => server.closeAllConnections(), graceMs);
            force.unref();
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
