// @actions-gateway/proxy as a library: a proxy that lets a tunnel through to one allowed destination and
// refuses the rest before dialling. Everything listens on 127.0.0.1; the "upstream" is a local echo server.
import { request } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createProxyLogger, loadConfig, startEgressProxy } from '@actions-gateway/proxy';

/** A TCP echo server standing in for GitHub. */
const upstream = createServer((socket) => socket.pipe(socket));
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamPort = (upstream.address() as AddressInfo).port;

// The same flags the egress-proxy bin takes. A literal IP is dialled only inside an --allow-cidrs block, and
// loopback is refused unless listed there: this example lists it; production never does.
const config = loadConfig(
  [
    '--host', '127.0.0.1', '--port', '0',
    '--health-host', '127.0.0.1', '--health-port', '0',
    '--allow-hosts', 'github.com,api.github.com',
    '--allow-ports', `443,${upstreamPort}`,
    '--allow-cidrs', '127.0.0.1/32',
  ],
  {},
);
if (config === 'help') throw new Error('unexpected --help');
const proxy = await startEgressProxy(config.proxy, { logger: createProxyLogger('info') });

/** Sends `CONNECT target` to the proxy: the tunnel's socket on 200, else the status code. */
function connect(target: string): Promise<{ status: number; socket?: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: proxy.address.host, port: proxy.address.port, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, ...(res.statusCode === 200 ? { socket } : {}) }));
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0 }));
    req.on('error', reject);
    req.end();
  });
}

try {
  const allowed = await connect(`127.0.0.1:${upstreamPort}`);
  if (allowed.status !== 200 || !allowed.socket) throw new Error(`allowed tunnel: HTTP ${allowed.status}`);
  const echoed = await new Promise<string>((resolve) => {
    allowed.socket!.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')));
    allowed.socket!.write('hello through the tunnel');
  });
  allowed.socket.destroy();
  console.log(`allowed 127.0.0.1:${upstreamPort}: 200, echoed "${echoed}"`);

  // Refused before any DNS lookup or dial: a port not allowed, and a host not allowed.
  for (const target of ['github.com:22', 'evil.example:443']) {
    const refused = await connect(target);
    if (refused.status !== 403) throw new Error(`${target}: expected 403, got ${refused.status}`);
    console.log(`refused ${target}: ${refused.status}`);
  }

  const health = await fetch(`http://${proxy.healthAddress.host}:${proxy.healthAddress.port}/metrics`);
  const tunnels = /^actions_gateway_proxy_connections_total (\d+)/m.exec(await health.text())?.[1];
  if (tunnels !== '1') throw new Error(`expected 1 tunnel counted, got ${tunnels}`);
  console.log('ok: one tunnel through, two refused, actions_gateway_proxy_connections_total 1');
} finally {
  await proxy.drain(1_000);
  await new Promise((resolve) => upstream.close(resolve));
}
