// Tunnels through real loopback sockets: relay both ways, half-close, backpressure, limits, errors.
import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import {
  FakeClock,
  GITHUB_IP,
  HANG,
  connectVia,
  readResponseHead,
  readBytes,
  sendRaw,
  startTestProxy,
  valueOf,
  waitFor,
  type TestProxy,
} from './support/harness.js';

let current: TestProxy | undefined;
afterEach(async () => {
  if (current) {
    expect(current.dialer.stray).toEqual([]);
    await current.close();
    current = undefined;
  }
});

async function proxy(options: Parameters<typeof startTestProxy>[0] = {}): Promise<TestProxy> {
  current = await startTestProxy(options);
  return current;
}

describe('a tunnel to an allowed upstream', () => {
  it('relays bytes both ways to the pinned address and counts the tunnel when the 200 is written', async () => {
    const t = await proxy();
    const { status, head, socket } = await connectVia(t.proxy.address.port, 'github.com:443');
    expect(status).toBe(200);
    expect(head).toBe('HTTP/1.1 200 Connection established');
    expect(t.dialer.calls).toEqual([{ address: GITHUB_IP, family: 4, port: 443, hostname: 'github.com' }]);
    expect(await valueOf(t.metrics.proxyConnections)).toBe(1);
    expect(await valueOf(t.metrics.proxyConnectionsActive)).toBe(1);
    const payload = Buffer.alloc(256 * 1024, 7);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    socket.write(payload);
    expect((await readBytes(socket, payload.length)).equals(payload)).toBe(true);
    socket.destroy();
    await waitFor(async () => (await valueOf(t.metrics.proxyConnectionsActive)) === 0, 'tunnel close');
    const hist = await t.metrics.proxyTunnelDuration.metric.get();
    expect(hist.values.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(1);
  });

  it('forwards bytes the client sent right after its request head (before the 200)', async () => {
    const t = await proxy();
    const { status, rest, socket } = await sendRaw(t.proxy.address.port, 'CONNECT github.com:443 HTTP/1.1\r\n\r\nhello');
    expect(status).toBe(200);
    const echoed = Buffer.concat([rest, await readBytes(socket, 5 - rest.length)]);
    expect(echoed.toString()).toBe('hello');
    socket.destroy();
  });

  it('carries a client half-close upstream and keeps the other direction open', async () => {
    const t = await proxy();
    const { socket } = await connectVia(t.proxy.address.port, 'github.com:443');
    socket.write('ping');
    socket.end(); // client FIN: the echo upstream still answers, then sends its own FIN
    expect((await readBytes(socket, 4)).toString()).toBe('ping');
    socket.resume();
    await once(socket, 'end');
    await once(socket, 'close');
    await waitFor(async () => (await valueOf(t.metrics.proxyConnectionsActive)) === 0, 'tunnel close');
  });

  it('carries a FIN the client sent together with its request head', async () => {
    const t = await proxy();
    const socket = connect({ host: '127.0.0.1', port: t.proxy.address.port, allowHalfOpen: true });
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.end('CONNECT github.com:443 HTTP/1.1\r\n\r\nhi');
    await once(socket, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('HTTP/1.1 200 Connection established\r\n\r\nhi');
  });

  it('carries an upstream half-close to the client and keeps the client → upstream direction open', async () => {
    // An upstream that sends a greeting and its FIN at once, then reports what it still receives.
    const received: Buffer[] = [];
    let upstreamEnded = false;
    const server = createServer({ allowHalfOpen: true }, (s) => {
      s.end('bye');
      s.on('data', (c: Buffer) => received.push(c));
      s.on('end', () => (upstreamEnded = true));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const t = await proxy({ routes: { [`${GITHUB_IP}:8443`]: (server.address() as { port: number }).port }, allowPorts: [8443] });
    const r = await connectVia(t.proxy.address.port, 'github.com:8443');
    const greeting: Buffer[] = [r.rest];
    r.socket.on('data', (c: Buffer) => greeting.push(c));
    r.socket.resume();
    await once(r.socket, 'end'); // the upstream's FIN arrived at the client
    expect(Buffer.concat(greeting).toString()).toBe('bye');
    r.socket.end('after-fin'); // the client can still send
    await waitFor(() => upstreamEnded, 'upstream to see the client FIN');
    expect(Buffer.concat(received).toString()).toBe('after-fin');
    await waitFor(async () => (await valueOf(t.metrics.proxyConnectionsActive)) === 0, 'tunnel close');
    server.close();
  });

  it('applies backpressure: a client that stops reading stalls the upstream instead of buffering it all', async () => {
    let pushed = 0;
    let stalled = false;
    const server = createServer((s) => {
      const chunk = Buffer.alloc(64 * 1024);
      const pump = (): void => {
        while (pushed < 256 * 1024 * 1024) {
          pushed += chunk.length;
          if (!s.write(chunk)) {
            stalled = true;
            s.once('drain', pump);
            return;
          }
        }
      };
      s.on('error', () => s.destroy());
      pump();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const t = await proxy({ routes: { [`${GITHUB_IP}:8443`]: (server.address() as { port: number }).port }, allowPorts: [8443] });
    const { socket } = await connectVia(t.proxy.address.port, 'github.com:8443');
    // The client never reads: the upstream must see its writes block long before 256 MiB.
    await waitFor(() => stalled, 'upstream to be backpressured');
    const atStall = pushed;
    expect(atStall).toBeLessThan(64 * 1024 * 1024);
    const got = await readBytes(socket, atStall);
    expect(got.length).toBe(atStall);
    socket.destroy();
    server.close();
  });

  it('answers 502 with a generic body when the dial fails, and counts it', async () => {
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const port = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const t = await proxy({ routes: { [`${GITHUB_IP}:443`]: port } });
    const r = await connectVia(t.proxy.address.port, 'github.com:443');
    expect(r.status).toBe(502);
    expect(r.rest.toString()).toBe('upstream unavailable\n');
    expect(await valueOf(t.metrics.proxyDialErrors)).toBe(1);
    expect(t.logs.some((l) => l.msg === 'dial failed' && l.level === 'warn')).toBe(true);
    r.socket.destroy();
  });

  it('answers 502 when the name does not resolve', async () => {
    const t = await proxy({ resolve: {} });
    const r = await connectVia(t.proxy.address.port, 'github.com:443');
    expect(r.status).toBe(502);
    expect(await valueOf(t.metrics.proxyDialErrors)).toBe(1);
    r.socket.destroy();
  });

  it('answers 502 when the dial exceeds the dial timeout (injected clock)', async () => {
    const clock = new FakeClock();
    const t = await proxy({ clock, routes: { [`${GITHUB_IP}:443`]: HANG } });
    const pending = connectVia(t.proxy.address.port, 'github.com:443');
    await waitFor(() => t.dialer.calls.length === 1, 'dial attempt');
    clock.advance(9_999);
    await new Promise((r) => setImmediate(r));
    expect(t.proxy.tunnelCount).toBe(1);
    clock.advance(1);
    const r = await pending;
    expect(r.status).toBe(502);
    expect(await valueOf(t.metrics.proxyDialErrors)).toBe(1);
    r.socket.destroy();
  });
});

describe('limits', () => {
  it('refuses with 503 beyond max tunnels and accepts again once one closes', async () => {
    const t = await proxy({ limits: { maxTunnels: 2 } });
    const a = await connectVia(t.proxy.address.port, 'github.com:443');
    const b = await connectVia(t.proxy.address.port, 'github.com:443');
    expect([a.status, b.status]).toEqual([200, 200]);
    const c = await connectVia(t.proxy.address.port, 'github.com:443');
    expect(c.status).toBe(503);
    expect(c.rest.toString()).toBe('too many tunnels\n');
    a.socket.destroy();
    await waitFor(() => t.proxy.tunnelCount === 1, 'a slot to free');
    const d = await connectVia(t.proxy.address.port, 'github.com:443');
    expect(d.status).toBe(200);
    for (const s of [b, c, d]) s.socket.destroy();
  });

  it('bounds connections still sending their head by the tunnel limit, dropping the oldest so newcomers get in', async () => {
    const t = await proxy({ limits: { maxTunnels: 2 } });
    const open = async () => {
      const s = connect({ host: '127.0.0.1', port: t.proxy.address.port });
      s.on('error', () => undefined);
      await once(s, 'connect');
      s.write('CONNECT github.com:443 HTTP/1.1\r\n');
      return s;
    };
    // Accepts are handled in arrival order, so both slow heads are pending when the third arrives.
    const oldest = await open();
    const second = await open();
    const oldestAnswer = readResponseHead(oldest);
    const third = await open();
    expect((await oldestAnswer).status).toBe(408);
    expect(t.logs.some((l) => l.msg === 'too many request heads in flight; dropping the oldest')).toBe(true);
    // The newcomer finishes its head and gets its tunnel.
    const tunnel = readResponseHead(third);
    third.write('Host: github.com:443\r\n\r\n');
    expect((await tunnel).status).toBe(200);
    for (const s of [oldest, second, third]) s.destroy();
  });

  it('closes a tunnel idle for the idle timeout, and traffic either way resets it (injected clock)', async () => {
    const clock = new FakeClock();
    const t = await proxy({ clock, limits: { idleTimeoutMs: 300_000 } });
    const { socket } = await connectVia(t.proxy.address.port, 'github.com:443');
    let closed = false;
    socket.once('end', () => (closed = true));
    clock.advance(240_000);
    socket.write('x');
    expect((await readBytes(socket, 1)).toString()).toBe('x');
    clock.advance(240_000); // 8 min since open, 4 since traffic
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    expect(t.proxy.tunnelCount).toBe(1);
    clock.advance(61_000 + 1_000);
    socket.resume();
    await waitFor(() => closed, 'idle close');
    expect(t.logs.some((l) => l.msg === 'tunnel closed' && l.reason === 'idle')).toBe(true);
  });

  it('closes a busy tunnel at its absolute lifetime (injected clock)', async () => {
    const clock = new FakeClock();
    const t = await proxy({ clock, limits: { idleTimeoutMs: 300_000, maxLifetimeMs: 6 * 3_600_000 } });
    const { socket } = await connectVia(t.proxy.address.port, 'github.com:443');
    let closed = false;
    socket.once('end', () => (closed = true));
    for (let minute = 0; minute < 6 * 60 - 4; minute += 4) {
      socket.write('k');
      await readBytes(socket, 1);
      clock.advance(240_000);
    }
    expect(closed).toBe(false);
    socket.write('k');
    await readBytes(socket, 1);
    clock.advance(240_000);
    socket.resume();
    await waitFor(() => closed, 'lifetime close');
    expect(t.logs.some((l) => l.msg === 'tunnel closed' && l.reason === 'lifetime')).toBe(true);
    const hist = await t.metrics.proxyTunnelDuration.metric.get();
    const sum = hist.values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
    expect(sum).toBeGreaterThanOrEqual(21_600);
  });

  it('answers 408 to a client that never finishes its head, within the header timeout', async () => {
    const clock = new FakeClock();
    const t = await proxy({ clock, limits: { headerTimeoutMs: 5_000 } });
    const socket = connect({ host: '127.0.0.1', port: t.proxy.address.port });
    await once(socket, 'connect');
    socket.write('CONNECT github.com:443 HTTP/1.1\r\nHost: git');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    clock.advance(5_000);
    await once(socket, 'end');
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 408 /);
    expect(t.logs.some((l) => l.level === 'debug' && l.msg === 'request refused' && l.status === 408)).toBe(true);
    socket.destroy();
  });

  it('answers 431 to a head larger than the maximum', async () => {
    const t = await proxy({ limits: { maxHeaderBytes: 1024 } });
    const r = await sendRaw(t.proxy.address.port, `CONNECT github.com:443 HTTP/1.1\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    r.socket.destroy();
    const endless = await sendRaw(t.proxy.address.port, `CONNECT github.com:443 HTTP/1.1\r\nX-Big: ${'a'.repeat(4000)}`);
    expect(endless.status).toBe(431);
    endless.socket.destroy();
    expect(t.dialer.calls).toEqual([]);
  });
});

describe('requests that are not CONNECT', () => {
  it('answers 405 with a clear body and Allow: CONNECT', async () => {
    const t = await proxy();
    const r = await sendRaw(t.proxy.address.port, 'GET http://github.com/ HTTP/1.1\r\nHost: github.com\r\n\r\n');
    expect(r.status).toBe(405);
    expect(r.head).toContain('Allow: CONNECT');
    expect(r.rest.toString()).toBe('only CONNECT is supported\n');
    r.socket.destroy();
  });

  it('answers 400 to CONNECT without a port', async () => {
    const t = await proxy();
    const r = await connectVia(t.proxy.address.port, 'github.com');
    expect(r.status).toBe(400);
    r.socket.destroy();
  });
});
