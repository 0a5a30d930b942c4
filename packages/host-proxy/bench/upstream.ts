// Bench upstreams, run as their own process: a "source" that, after one byte from the client, writes 64 KiB
// chunks as fast as the socket drains, and an echo server. Prints `{"source":port,"echo":port}` when ready.
import { createServer } from 'node:net';
import { once } from 'node:events';

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

const source = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.once('data', () => {
    const pump = (): void => {
      while (!socket.destroyed && socket.write(CHUNK));
      if (!socket.destroyed) socket.once('drain', pump);
    };
    pump();
  });
});

const echo = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});

source.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
echo.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
await Promise.all([once(source, 'listening'), once(echo, 'listening')]);
const port = (s: typeof source): number => (s.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ source: port(source), echo: port(echo) })}\n`);
