// A purpose-built node:http server for transport and pacing behaviours the shared fake GitHub does not script
// precisely (instant 202s, exact Retry-After values, bodies cut mid-stream). It speaks just enough of the
// runner OAuth + broker session protocol for a ClassicBrokerSession to reach its poll loop.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '../../src/index.js';
import { rsaKey, sampleJit } from './keys.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The injected clock's time when the request arrived. */
  readonly at: number;
}

export type Handler = (req: RecordedRequest, res: ServerResponse, socket: Socket) => void;

export interface ScriptedBroker {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests to one path (without query). */
  on(path: string): RecordedRequest[];
  /** Replaces the handler of a path (method-agnostic). */
  handle(path: string, handler: Handler): void;
  readonly jit: string;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const { privateKey } = rsaKey(); // one runner key per test file: keygen is slow

export async function startScriptedBroker(clock: Clock): Promise<ScriptedBroker> {
  const handlers = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let tokens = 0;
  handlers.set('/oauth', (_req, res) => json(res, 200, { access_token: `runner-token-${++tokens}`, token_type: 'bearer', expires_in: 3600 }));
  handlers.set('/broker/session', (req, res) => {
    if (req.method === 'DELETE') return void res.writeHead(204).end();
    json(res, 200, { sessionId: '6c1e4b9e-0000-4000-8000-000000000001', ownerName: 'test' });
  });
  handlers.set('/broker/message', (_req, res) => void res.writeHead(202).end());
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString(), at: clock.now() };
      requests.push(rec);
      const handler = handlers.get(path);
      if (!handler) return json(res, 404, { message: `unscripted ${path}` });
      handler(rec, res, req.socket);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jit = sampleJit(privateKey, { runner: { serverUrlV2: `${url}/broker/` }, credentials: { authorizationUrl: `${url}/oauth` } });
  return {
    url,
    requests,
    jit,
    on: (path) => requests.filter((r) => r.path.split('?')[0] === path),
    handle: (path, handler) => void handlers.set(path, handler),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
