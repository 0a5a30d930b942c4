// Ports: a free one picked by the kernel, or a requested one checked before anything starts.
import { createServer } from 'node:net';

/** A port on 127.0.0.1 free right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Throws a one-line error naming the flag when `port` (non-zero) cannot be bound on 127.0.0.1. */
export async function checkPortFree(port: number, flag: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE'
      ? `port ${port} (${flag}) is already in use: stop what listens there or pick another with ${flag}`
      : `port ${port} (${flag}) cannot be used (${code ?? (e as Error).message}): pick another with ${flag}`, { cause: e });
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
