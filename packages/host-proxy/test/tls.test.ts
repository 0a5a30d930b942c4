// TLS on the CONNECT port: the client speaks TLS to the proxy, the tunnel inside relays as usual.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { createMetrics } from '@actions-gateway/metrics';
import { defaultLimits, parseHostPattern, startEgressProxy, type EgressProxy } from '../src/index.js';
import { GITHUB_IP, logCapture, loopbackDialer, readResponseHead, readBytes, startEchoUpstream, tableResolver } from './support/harness.js';

let dir: string;
let cert: Buffer;
let proxy: EgressProxy;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let dialer: ReturnType<typeof loopbackDialer>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'proxy-tls-'));
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ]);
  expect(r.status, r.stderr.toString()).toBe(0);
  cert = readFileSync(join(dir, 'cert.pem'));
  upstream = await startEchoUpstream();
  dialer = loopbackDialer({ [`${GITHUB_IP}:443`]: upstream.port });
  proxy = await startEgressProxy(
    {
      host: '127.0.0.1',
      port: 0,
      healthHost: '127.0.0.1',
      healthPort: 0,
      tls: { cert, key: readFileSync(join(dir, 'key.pem')) },
      policy: { allowHosts: [parseHostPattern('github.com')], allowPorts: new Set([443]), allowCidrs: [] },
      limits: { ...defaultLimits, headerTimeoutMs: 300 },
    },
    { logger: logCapture().logger, metrics: createMetrics('proxy'), resolver: tableResolver({ 'github.com': [GITHUB_IP] }), dialer },
  );
});

afterAll(async () => {
  await proxy.close();
  for (const s of upstream.sockets) s.destroy();
  upstream.server.close();
  rmSync(dir, { recursive: true, force: true });
  expect(dialer.stray).toEqual([]);
});

describe('TLS on the CONNECT port', () => {
  it('accepts CONNECT over TLS (http/1.1) and relays through the tunnel', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: proxy.address.port, ca: cert, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    await once(socket, 'secureConnect');
    expect(socket.alpnProtocol).toBe('http/1.1');
    const response = readResponseHead(socket);
    socket.write('CONNECT github.com:443 HTTP/1.1\r\nHost: github.com:443\r\n\r\n');
    expect((await response).status).toBe(200);
    socket.write('over-tls');
    expect((await readBytes(socket, 8)).toString()).toBe('over-tls');
    socket.end();
    socket.resume();
    await once(socket, 'close');
  });

  it('refuses plaintext on the TLS port without crashing', async () => {
    const { connect } = await import('node:net');
    const plain = connect({ host: '127.0.0.1', port: proxy.address.port });
    plain.on('error', () => undefined);
    await once(plain, 'connect');
    plain.write('CONNECT github.com:443 HTTP/1.1\r\n\r\n');
    plain.resume();
    await once(plain, 'close');
    const socket = tlsConnect({ host: '127.0.0.1', port: proxy.address.port, ca: cert, servername: 'localhost' });
    await once(socket, 'secureConnect');
    socket.destroy();
  });

  it('closes a connection that never starts its TLS handshake within the header timeout', async () => {
    const { connect } = await import('node:net');
    const silent = connect({ host: '127.0.0.1', port: proxy.address.port });
    silent.on('error', () => undefined);
    await once(silent, 'connect');
    const started = Date.now();
    silent.resume();
    await once(silent, 'close');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
