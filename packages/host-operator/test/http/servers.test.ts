import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBindAddress, startHealthServer, startMetricsServer, type RunningServer } from '../../src/index.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const local = { host: '127.0.0.1', port: 0 };

describe('bind addresses', () => {
  it('parses controller-runtime forms and rejects others naming the flag', () => {
    expect(parseBindAddress(':8080', '--metrics-bind-address')).toEqual({ host: undefined, port: 8080 });
    expect(parseBindAddress('127.0.0.1:9443', 'x')).toEqual({ host: '127.0.0.1', port: 9443 });
    expect(parseBindAddress('[::1]:8081', 'x')).toEqual({ host: '::1', port: 8081 });
    expect(parseBindAddress('0', 'x')).toBeUndefined();
    expect(() => parseBindAddress('8080', '--metrics-bind-address')).toThrow(/--metrics-bind-address: "8080" is not a bind address/);
    expect(() => parseBindAddress(':99999', '--health-probe-bind-address')).toThrow(/--health-probe-bind-address/);
  });
});

describe('metrics server', () => {
  it('serves the registry at /metrics with the Prometheus content type', async () => {
    const registry = new Registry();
    new Counter({ name: 'demo_total', help: 'demo', registers: [registry] }).inc(3);
    const server = await startMetricsServer(registry, local);
    servers.push(server);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('demo_total 3');
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });
});

describe('health server', () => {
  it('answers ok when every named check passes and lists failures otherwise', async () => {
    let synced = false;
    const server = await startHealthServer(
      {
        healthz: { ping: () => undefined },
        readyz: { 'informers-synced': () => (synced ? undefined : 'ActionsGateway informer not synced'), webhook: () => true },
      },
      local,
    );
    servers.push(server);
    const base = `http://127.0.0.1:${server.port}`;
    const h = await fetch(`${base}/healthz`);
    expect([h.status, await h.text()]).toEqual([200, 'ok']);
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(500);
    expect(await r.text()).toContain('[-]informers-synced failed: ActionsGateway informer not synced');
    synced = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const verbose = await (await fetch(`${base}/readyz?verbose`)).text();
    expect(verbose).toContain('[+]webhook ok');
    expect((await fetch(`${base}/readyz/webhook`)).status).toBe(200);
    expect((await fetch(`${base}/readyz/nope`)).status).toBe(404);
  });

  it('closes gracefully, then refuses connections', async () => {
    const server = await startHealthServer({ healthz: {}, readyz: {} }, local);
    const url = `http://127.0.0.1:${server.port}/healthz`;
    expect((await fetch(url)).status).toBe(200);
    await server.close(1000);
    await expect(fetch(url)).rejects.toThrow();
  });
});
