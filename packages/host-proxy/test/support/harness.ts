// Test harness: a fake clock, a loopback echo upstream, a resolver and a dialer that only ever reach
// 127.0.0.1, a captured logger, and a small CONNECT client. The dialer records any request for an address
// it was not told about, and `assertNoStrayDials` fails the test on it.
import { Socket, connect, createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { createMetrics, type ProxyMetrics } from '@actions-gateway/metrics';
import {
  createProxyLogger,
  defaultLimits,
  parseCidr,
  parseHostPattern,
  startEgressProxy,
  type Clock,
  type ClockTimer,
  type DialTarget,
  type Dialer,
  type EgressProxy,
  type ProxyLimits,
  type Resolver,
} from '../../src/index.js';

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  private current = 1_000_000;
  private timers: { due: number; fn: () => void; seq: number; cancelled: boolean }[] = [];
  private seq = 0;

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): ClockTimer {
    const timer = { due: this.current + ms, fn, seq: this.seq++, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Moves time forward by `ms`, firing due timers in order (including ones scheduled while firing). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const next = this.timers.filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.current = next.due;
      next.cancelled = true;
      next.fn();
    }
    this.current = target;
  }
}

/** A loopback upstream that echoes and answers a FIN with a FIN (after echoing what came before it). */
export async function startEchoUpstream(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, sockets };
}

/** Public-looking test addresses: never dialled for real, the dialer maps them to loopback. */
export const GITHUB_IP = '140.82.112.3';
export const GITHUB_IP6 = '2606:50c0:8000::153';

/** A resolver from a fixed table; unknown names fail like NXDOMAIN. Counts its lookups. */
export function tableResolver(table: Record<string, readonly string[]>): Resolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolver = async (name: string): Promise<readonly string[]> => {
    lookups.push(name);
    await Promise.resolve();
    const answers = table[name];
    if (!answers) throw new Error(`ENOTFOUND ${name}`);
    return answers;
  };
  return Object.assign(resolver, { lookups });
}

/** A route that never connects: the dial only ends when the proxy aborts it. */
export const HANG = -1;

/** A dialer that maps allowed test addresses to a loopback port and records any other request. */
export function loopbackDialer(routes: Record<string, number>): Dialer & { calls: DialTarget[]; stray: DialTarget[] } {
  const calls: DialTarget[] = [];
  const stray: DialTarget[] = [];
  const dialer: Dialer = (target) => {
    calls.push(target);
    const port = routes[`${target.address}:${target.port}`];
    // A socket that never connects: the dial only ends when the proxy gives up on it.
    if (port === HANG) return new Socket();
    if (port === undefined) {
      stray.push(target);
      const refused = new Socket();
      process.nextTick(() => refused.destroy(new Error(`test dialer: refusing to dial ${target.address}:${target.port}`)));
      return refused;
    }
    return connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
  };
  return Object.assign(dialer, { calls, stray });
}

/** Captured JSON log lines. */
export function logCapture(): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createProxyLogger> } {
  const lines: Record<string, unknown>[] = [];
  const logger = createProxyLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { lines, logger };
}

export interface TestProxy {
  proxy: EgressProxy;
  metrics: ProxyMetrics;
  dialer: ReturnType<typeof loopbackDialer>;
  resolver: ReturnType<typeof tableResolver>;
  logs: Record<string, unknown>[];
  upstreamPort: number;
  upstreamSockets: Set<Socket>;
  close(): Promise<void>;
}

export interface TestProxyOptions {
  limits?: Partial<ProxyLimits>;
  clock?: Clock;
  allowHosts?: string[];
  allowPorts?: number[];
  allowCidrs?: string[];
  resolve?: Record<string, readonly string[]>;
  /** Extra dial routes `address:port` → loopback port, besides the GitHub test addresses. */
  routes?: Record<string, number>;
}

/** Starts an echo upstream and a proxy on loopback with the injected resolver, dialer and clock. */
export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const upstream = await startEchoUpstream();
  const resolver = tableResolver(
    options.resolve ?? { 'github.com': [GITHUB_IP], 'api.github.com': [GITHUB_IP6, GITHUB_IP] },
  );
  const dialer = loopbackDialer({
    [`${GITHUB_IP}:443`]: upstream.port,
    [`${GITHUB_IP6}:443`]: upstream.port,
    ...options.routes,
  });
  const metrics = createMetrics('proxy');
  const { lines, logger } = logCapture();
  const proxy = await startEgressProxy(
    {
      host: '127.0.0.1',
      port: 0,
      healthHost: '127.0.0.1',
      healthPort: 0,
      policy: {
        allowHosts: (options.allowHosts ?? ['github.com', 'api.github.com', '*.actions.githubusercontent.com']).map(parseHostPattern),
        allowPorts: new Set(options.allowPorts ?? [443]),
        allowCidrs: (options.allowCidrs ?? []).map(parseCidr),
      },
      limits: { ...defaultLimits, headerTimeoutMs: 2_000, ...options.limits },
    },
    { logger, metrics, resolver, dialer, ...(options.clock ? { clock: options.clock } : {}) },
  );
  return {
    proxy,
    metrics,
    dialer,
    resolver,
    logs: lines,
    upstreamPort: upstream.port,
    upstreamSockets: upstream.sockets,
    async close() {
      await proxy.close();
      for (const s of upstream.sockets) s.destroy();
      await new Promise<void>((done) => upstream.server.close(() => done()));
    },
  };
}

/** Reads from `socket` until `\r\n\r\n`; returns the status, the head and whatever followed it. */
export function readResponseHead(socket: Socket): Promise<{ status: number; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      cleanup();
      socket.pause();
      const head = buffered.toString('latin1', 0, end);
      resolve({ status: Number(head.split(' ')[1]), head, rest: buffered.subarray(end + 4) });
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`connection closed before a response head (got ${JSON.stringify(buffered.toString('latin1'))})`));
    };
    const cleanup = (): void => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onEnd);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
  });
}

/** Opens a socket to the proxy and sends `head` (raw bytes); resolves with the response. */
export async function sendRaw(port: number, head: string | Buffer): Promise<{ status: number; head: string; rest: Buffer; socket: Socket }> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(socket, 'connect');
  const response = readResponseHead(socket);
  socket.write(head);
  return { ...(await response), socket };
}

/** Sends `CONNECT target HTTP/1.1`; resolves with the status and the socket (a tunnel on 200). */
export function connectVia(port: number, target: string): Promise<{ status: number; head: string; rest: Buffer; socket: Socket }> {
  return sendRaw(port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
}

/** Reads exactly `n` bytes from a socket. */
export function readBytes(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= n) {
        socket.removeListener('data', onData);
        socket.removeListener('close', onClose);
        socket.pause();
        const all = Buffer.concat(chunks);
        if (all.length > n) socket.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    const onClose = (): void => reject(new Error(`closed after ${total} of ${n} bytes`));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
  });
}

/** Current value of an unlabelled counter or gauge. */
export async function valueOf(handle: { metric: { get(): Promise<{ values: { value: number }[] }> | { values: { value: number }[] } } }): Promise<number> {
  const got = await handle.metric.get();
  return got.values[0]?.value ?? 0;
}

/** Waits for a condition, polling on the event loop (no fixed sleeps). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
