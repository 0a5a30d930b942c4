// startApiServer: the in-process Kubernetes API server on 127.0.0.1, over HTTP or HTTPS.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { Kubelet } from '../kubelet/kubelet.js';
import type { KubeletOptions } from '../kubelet/kubelet.js';
import { DeploymentController } from '../kubelet/deployment-controller.js';
import type { AdmissionPlugin } from './admission.js';
import { systemClock, type Clock } from '../clock.js';
import { Faults } from './faults.js';
import { GarbageCollector } from './gc.js';
import { ObjectStore } from './object-store.js';
import { Registry } from './registry.js';
import { Resources } from './resources.js';
import type { ExtraRoute, RouterContext } from './router.js';
import { route } from './router.js';
import { Store } from './store.js';
import { createTestCertificates } from '../tls.js';
import { installExtensions } from './extensions.js';
import type { ServiceResolver } from './webhook.js';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** Serve HTTPS with a fresh self-signed CA (default false: plain HTTP). */
  https?: boolean;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Bearer token clients must send (default: random). */
  token?: string;
  /** Time source for timestamps, the kubelet and the controllers (default: wall clock). */
  clock?: Clock;
  /** Events kept for watch resume; older resourceVersions get 410 Expired (default 1000). */
  watchHistory?: number;
  /** Interval of BOOKMARK events on watches that allow them, in real milliseconds (default 1000). */
  bookmarkIntervalMs?: number;
  /** Kubelet simulator options, or false to run none (pods then stay Pending). */
  kubelet?: KubeletOptions | false;
  /** Run the Deployment/ReplicaSet controllers (default true). */
  controllers?: boolean;
  /** Maps a webhook's `clientConfig.service` to a URL (no cluster DNS here); `url` webhooks need none. */
  resolveService?: ServiceResolver;
  /** Namespaces created at start (default: default, kube-system, kube-public, kube-node-lease). */
  namespaces?: string[];
}

/** A running API server. */
export interface ApiServer {
  /** `http://127.0.0.1:PORT` or `https://…`. */
  url: string;
  /** A client-node KubeConfig pointing at this server with the bearer token. */
  kubeConfig: KubeConfig;
  /** The same as a kubeconfig file (for kubectl). */
  kubeconfigYaml: string;
  /** The bearer token. */
  token: string;
  /** The CA certificate (PEM) when serving HTTPS. */
  caPem: string | undefined;
  /** Writes {@link kubeconfigYaml} to `path`. */
  writeKubeconfig(path: string): void;
  /** Direct object access (bypasses admission). */
  store: ObjectStore;
  /** The kubelet simulator (undefined when disabled). */
  kubelet: Kubelet | undefined;
  /** Fault injection. */
  faults: Faults;
  /** Extra admission plugins may be pushed here. */
  admission: AdmissionPlugin[];
  /** Stops serving and closes every open connection (watches too). */
  close(): Promise<void>;
}

/** Starts an API server on 127.0.0.1 that speaks the Kubernetes REST protocol. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const clock = options.clock ?? systemClock;
  const registry = new Registry();
  const store = new Store(clock, options.watchHistory ?? 1000);
  const api = new Resources(registry, store, clock);
  const faults = new Faults();
  const token = options.token ?? randomBytes(24).toString('hex');
  const extraRoutes: ExtraRoute[] = [];
  const certs = options.https ? await createTestCertificates() : undefined;
  let hostPort = '127.0.0.1:0';
  const ctx: RouterContext = {
    registry,
    store,
    api,
    faults,
    clock,
    token,
    requireAuth: !!certs,
    hostPort: () => hostPort,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
    extraRoutes,
  };
  const extensions = installExtensions(ctx, options.resolveService);
  const nsType = registry.byPlural('', 'v1', 'namespaces')!;
  for (const ns of options.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await api.create(nsType, undefined, { metadata: { name: ns } }, { fieldManager: 'kube-apiserver' });
  }
  const gc = new GarbageCollector(api);
  const kubelet = options.kubelet === false ? undefined : new Kubelet(api, clock, options.kubelet ?? {});
  if (kubelet) {
    await kubelet.start();
    ctx.evict = (ns, name, body) => kubelet.evictViaApi(ns, name, body);
    ctx.podLog = (ns, name) => kubelet.logs(ns, name);
  }
  const deployments = options.controllers === false ? undefined : new DeploymentController(api);

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void route(ctx, req, res);
  };
  const server = certs ? createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 60_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hostPort = `127.0.0.1:${port}`;
  const url = `${certs ? 'https' : 'http'}://${hostPort}`;
  const kubeconfigYaml = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'testkit',
        cluster: { server: url, ...(certs ? { 'certificate-authority-data': Buffer.from(certs.caPem).toString('base64') } : { 'insecure-skip-tls-verify': true }) },
      },
    ],
    users: [{ name: 'testkit', user: { token } }],
    contexts: [{ name: 'testkit', context: { cluster: 'testkit', user: 'testkit', namespace: 'default' } }],
    'current-context': 'testkit',
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigYaml);

  return {
    url,
    kubeConfig,
    kubeconfigYaml,
    token,
    caPem: certs?.caPem,
    writeKubeconfig: (path) => writeFileSync(path, kubeconfigYaml, { mode: 0o600 }),
    store: new ObjectStore(store, registry),
    kubelet,
    faults,
    admission: api.plugins,
    async close() {
      deployments?.stop();
      kubelet?.stop();
      gc.stop();
      extensions.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
