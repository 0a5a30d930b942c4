// The health and metrics listener.
import { afterEach, describe, expect, it } from 'vitest';
import { connectVia, startTestProxy, waitFor, type TestProxy } from './support/harness.js';

let t: TestProxy | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('health port', () => {
  it('serves /healthz, /readyz and /metrics, and /readyz turns 503 while draining', async () => {
    t = await startTestProxy({ limits: { drainGraceMs: 30_000 } });
    t.metrics.buildInfo.set({ version: 'test', component: 'egress-proxy' }, 1);
    const base = `http://127.0.0.1:${t.proxy.healthAddress.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const tunnel = await connectVia(t.proxy.address.port, 'github.com:443');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'actions_gateway_proxy_connections_active 1',
      'actions_gateway_proxy_connections_total 1',
      'actions_gateway_proxy_dial_errors_total 0',
      'actions_gateway_proxy_tunnel_duration_seconds_bucket{le="21600"}',
      'actions_gateway_build_info{version="test",component="egress-proxy"} 1',
    ]) {
      expect(metrics).toContain(name);
    }
    const drained = t.proxy.drain();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    tunnel.socket.destroy();
    await drained;
    await waitFor(() => t!.proxy.tunnelCount === 0, 'tunnels to close');
  });
});
