// The agc process in-process: servers, readiness, the first-token bound, graceful shutdown, log shape,
// and GitHub calls routed through an HTTPS egress proxy trusted via --proxy-ca-file (NO_PROXY honoured).
import { metricCatalogue } from '@actions-gateway/metrics';
import { createTestCertificates } from '@actions-gateway/testkit';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAgc, type AgcProcess } from '../../../src/agc/main.js';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from './agc-env.js';
import { recordingTier } from './test-tier.js';

let env: AgcEnv;
let agc: AgcProcess | undefined;

beforeEach(async () => {
  env = await startAgcEnv();
});
afterEach(async () => {
  await agc?.shutdown();
  agc = undefined;
  await env.close();
});

async function start(argv: string[], e: NodeJS.ProcessEnv, options: Parameters<typeof startAgc>[2] = {}): Promise<AgcProcess> {
  const started = await startAgc(argv, e, { clock: env.clock, logDestination: env.logStream, ...options });
  if ('help' in started) throw new Error('unexpected help');
  agc = started;
  return started;
}

const agcMetricNames = metricCatalogue.filter((m) => (m.emittedBy as readonly string[]).includes('agc')).map((m) => m.name);

it('serves every AGC metric and the runtime families on /metrics, and /readyz once synced with a token', async () => {
  const running = await start(env.args(), env.env(), { tiers: { Classic: recordingTier().factory } });
  const health = `http://127.0.0.1:${running.ports.health}`;
  expect((await fetch(`${health}/healthz`)).status).toBe(200);
  await eventually(async () => (await fetch(`${health}/readyz`)).status === 200, '/readyz 200');
  expect(running.isReady()).toBe(true);
  const res = await fetch(`http://127.0.0.1:${running.ports.metrics}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
  const text = await res.text();
  for (const name of [...agcMetricNames, 'workqueue_depth', 'controller_runtime_reconcile_total']) expect(text).toContain(`# TYPE ${name} `);
  expect(text).toContain('actions_gateway_build_info{version="0.1.0",component="agc"} 1');
  expect(text).toContain(`actions_gateway_token_refreshes_total{namespace="${env.namespace}"} 1`);
  // The token came from the fake with the App's JWT, for the installation in the mounted file.
  const tokenCalls = env.github.control.requests().filter((r) => r.path === `/app/installations/${env.app.installationId}/access_tokens`);
  expect(tokenCalls.map((r) => r.status)).toEqual([201]);
});

it('exits 1 with a clear message when no installation token arrives in time, counting the failures', async () => {
  writeFileSync(join(env.appDir, 'installationId'), '999999\n'); // not an installation of this App
  const running = await start(env.args(), env.env(), { initialTokenTimeoutMs: 1_500 });
  expect(await running.exited).toBe(1);
  const line = env.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => /no GitHub installation token within/.test(String(l['msg'])));
  expect(line).toMatchObject({ level: 'error', component: 'agc' });
  expect(await running.registry.metrics()).toMatch(new RegExp(`actions_gateway_token_refresh_errors_total\\{namespace="${env.namespace}"\\} [1-9]`));
  agc = undefined;
});

it('shuts down gracefully: listeners stop with "shutdown", servers close, exit code 0; logs are JSON without secrets', async () => {
  const tier = recordingTier();
  const running = await start(env.args(), env.env(), { tiers: { Classic: tier.factory } });
  await env.objects.create(runnerGroup(env.namespace, 'linux'));
  await eventually(() => tier.listeners.get('linux')?.[0], 'listener');
  await running.shutdown();
  expect(await running.exited).toBe(0);
  expect(tier.listeners.get('linux')![0]!.stops).toEqual(['shutdown']);
  await expect(fetch(`http://127.0.0.1:${running.ports.health}/healthz`)).rejects.toThrow();
  agc = undefined;
  expect(env.logs.length).toBeGreaterThan(2);
  const key = env.app.privateKeyPem.split('\n')[1]!;
  for (const line of env.logs) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({ component: 'agc' });
    expect(typeof parsed['level']).toBe('string');
    expect(String(parsed['time'])).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(line).not.toContain(key);
    expect(line).not.toMatch(/ghs_[A-Za-z0-9]{10}/);
  }
});

/** An HTTPS forward proxy (CONNECT only) on loopback that records where tunnels went. */
async function startHttpsProxy(): Promise<{ url: string; caFile: string; tunnels: string[]; close(): Promise<void> }> {
  const certs = await createTestCertificates(['127.0.0.1']);
  const tunnels: string[] = [];
  const server = createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const caFile = join(env.dir, 'proxy-ca.crt');
  writeFileSync(caFile, certs.caPem);
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile,
    tunnels,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

it('sends GitHub calls through the HTTPS egress proxy, trusting it through --proxy-ca-file', async () => {
  const proxy = await startHttpsProxy();
  try {
    const running = await start(['--proxy-ca-file', proxy.caFile, ...env.args().filter((a, i, all) => a !== '--proxy-ca-file' && all[i - 1] !== '--proxy-ca-file')], env.env({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'svc.cluster.local,localhost' }));
    await eventually(() => running.isReady(), 'ready through the proxy');
    const github = new URL(env.github.url);
    expect(proxy.tunnels).toContain(`127.0.0.1:${github.port}`);
  } finally {
    await agc?.shutdown();
    agc = undefined;
    await proxy.close();
  }
});

it('does not trust the egress proxy without its CA: no token, exit 1', async () => {
  const proxy = await startHttpsProxy();
  try {
    const running = await start(env.args(), env.env({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }), { initialTokenTimeoutMs: 1_500 });
    expect(await running.exited).toBe(1);
    expect(env.github.control.requests().filter((r) => r.path.endsWith('/access_tokens'))).toEqual([]);
    agc = undefined;
  } finally {
    await proxy.close();
  }
});

it('goes direct to hosts NO_PROXY names, and never sends Kubernetes calls to the proxy', async () => {
  const proxy = await startHttpsProxy();
  try {
    const running = await start(env.args(), env.env({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: 'svc.cluster.local,localhost,127.0.0.1' }));
    await eventually(() => running.isReady(), 'ready');
    expect(proxy.tunnels).toEqual([]);
  } finally {
    await agc?.shutdown();
    agc = undefined;
    await proxy.close();
  }
});
