// What the policy lets through, and that it dials exactly the address it checked.
import { afterEach, describe, expect, it } from 'vitest';
import { GITHUB_IP, connectVia, readBytes, startTestProxy, type TestProxy } from './support/harness.js';

let t: TestProxy | undefined;
afterEach(async () => {
  if (t) {
    expect(t.dialer.stray).toEqual([]);
    await t.close();
    t = undefined;
  }
});

describe('allowed destinations', () => {
  it('normalises case and a trailing dot of an allowed name', async () => {
    t = await startTestProxy();
    const r = await connectVia(t.proxy.address.port, 'GitHub.COM.:443');
    expect(r.status).toBe(200);
    expect(t.dialer.calls[0]).toMatchObject({ address: GITHUB_IP, hostname: 'github.com' });
    r.socket.destroy();
  });

  it('resolves once and dials the checked address (no second lookup: DNS rebinding has nothing to rebind)', async () => {
    t = await startTestProxy({ allowHosts: ['*.actions.githubusercontent.com'], resolve: {} });
    let answers = 0;
    const flipping = async (): Promise<readonly string[]> => {
      answers++;
      await Promise.resolve();
      return answers === 1 ? [GITHUB_IP] : ['127.0.0.1'];
    };
    // Swap in a resolver that would answer loopback on any second lookup.
    const { startEgressProxy, parseHostPattern, defaultLimits } = await import('../src/index.js');
    const { loopbackDialer, logCapture } = await import('./support/harness.js');
    const dialer = loopbackDialer({ [`${GITHUB_IP}:443`]: t.upstreamPort });
    const proxy = await startEgressProxy(
      {
        host: '127.0.0.1',
        port: 0,
        healthHost: '127.0.0.1',
        healthPort: 0,
        policy: { allowHosts: [parseHostPattern('*.actions.githubusercontent.com')], allowPorts: new Set([443]), allowCidrs: [] },
        limits: defaultLimits,
      },
      { logger: logCapture().logger, resolver: flipping, dialer },
    );
    const r = await connectVia(proxy.address.port, 'rebind.actions.githubusercontent.com:443');
    expect(r.status).toBe(200);
    expect(answers).toBe(1);
    expect(dialer.calls).toEqual([{ address: GITHUB_IP, family: 4, port: 443, hostname: 'rebind.actions.githubusercontent.com' }]);
    r.socket.write('z');
    expect((await readBytes(r.socket, 1)).toString()).toBe('z');
    r.socket.destroy();
    expect(dialer.stray).toEqual([]);
    await proxy.close();
  });

  it('lets a literal IP through only inside an allowed CIDR, in any spelling, and pins it', async () => {
    t = await startTestProxy({ allowCidrs: ['127.0.0.1/32'], routes: {} });
    const routes = ['127.0.0.1:443'];
    for (const target of ['2130706433:443', '0x7f.1:443', '[::ffff:127.0.0.1]:443']) {
      const r = await connectVia(t.proxy.address.port, target);
      // The test dialer has no route for 127.0.0.1, so an allowed literal is dialled and fails with 502:
      // what matters is that the policy let it through and the dialer saw the pinned loopback address.
      expect(r.status).toBe(502);
      r.socket.destroy();
    }
    expect(t.dialer.calls.map((c) => `${c.address}:${c.port}`)).toEqual([...routes, ...routes, '::ffff:7f00:1:443']);
    t.dialer.stray.length = 0; // those dials were expected
    const other = await connectVia(t.proxy.address.port, '127.0.0.2:443');
    expect(other.status).toBe(403);
    other.socket.destroy();
  });

  it('lets a name resolving to a private address through when its CIDR is allowed', async () => {
    t = await startTestProxy({
      allowHosts: ['internal.example.com'],
      allowCidrs: ['10.1.0.0/16'],
      resolve: { 'internal.example.com': ['10.1.2.3'] },
      routes: {},
    });
    const r = await connectVia(t.proxy.address.port, 'internal.example.com:443');
    expect(r.status).toBe(502);
    expect(t.dialer.calls.map((c) => c.address)).toEqual(['10.1.2.3']);
    t.dialer.stray.length = 0; // the dial was expected; the test dialer never leaves loopback
    r.socket.destroy();
  });
});
