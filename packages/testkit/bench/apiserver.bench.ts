// Pod creates per second through client-node, and watch-event → informer latency, each beside the same loop
// against a bare node:http server that only stores and echoes (the floor any Kubernetes-shaped server sits on).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { CoreV1Api, KubeConfig, makeInformer } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { startApiServer } from '@actions-gateway/testkit';
import { median, percentile, writeBenchResult } from '../../../scripts/bench-support.js';

const CREATES = 500;
const EVENTS = 300;

/** The floor: stores POSTed objects and echoes them; serves a list and a watch stream the bench writes to. */
async function bareServer(): Promise<{ url: string; push: (obj: object) => void; close: () => Promise<void> }> {
  let rv = 1;
  const watchers = new Set<ServerResponse>();
  const stored = new Map<string, unknown>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const obj = JSON.parse(body) as { metadata: { name: string; resourceVersion?: string } };
        obj.metadata.resourceVersion = String(++rv);
        stored.set(obj.metadata.name, obj);
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(obj));
      });
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      watchers.add(res);
      res.on('close', () => watchers.delete(res));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    push: (obj) => {
      for (const w of watchers) w.write(JSON.stringify({ type: 'ADDED', object: obj }) + '\n');
    },
    close: () =>
      new Promise<void>((r) => {
        for (const w of watchers) w.destroy();
        server.close(() => r());
      }),
  };
}

function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ name: 'bench', server: url, skipTLSVerify: true }, { name: 'bench', token: 'x' });
  return kc;
}

async function createsPerSecond(core: CoreV1Api, prefix: string): Promise<number> {
  for (let i = 0; i < 20; i++) await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: `${prefix}-warm-${i}` }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } });
  const start = process.hrtime.bigint();
  for (let i = 0; i < CREATES; i++) {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: `${prefix}-${i}` }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } });
  }
  return CREATES / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Starts an informer and measures, per event, the time from `emit` to the informer's add callback. */
async function informerLatency(kc: KubeConfig, emit: (name: string) => void): Promise<number[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
  const started = new Map<string, bigint>();
  const samples: number[] = [];
  let waiting: (() => void) | undefined;
  informer.on('add', (o) => {
    const t0 = started.get(o.metadata!.name!);
    if (t0 !== undefined) samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    waiting?.();
  });
  await informer.start();
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < EVENTS; i++) {
    const name = `ev-${i}`;
    const seen = new Promise<void>((r) => (waiting = r));
    started.set(name, process.hrtime.bigint());
    emit(name);
    await seen;
  }
  await informer.stop();
  return samples;
}

const api = await startApiServer({ kubelet: false, controllers: false, watchHistory: 5000 });
const bare = await bareServer();

const apiCreates = await createsPerSecond(api.kubeConfig.makeApiClient(CoreV1Api), 'p');
const bareCreates = await createsPerSecond(kubeConfigFor(bare.url).makeApiClient(CoreV1Api), 'p');

// The testkit: the clock starts when the object is written to the store (no client round trip counted).
const apiLatency = await informerLatency(api.kubeConfig, (name) => {
  api.store.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });
});
let bareRv = 1_000_000;
const bareLatency = await informerLatency(kubeConfigFor(bare.url), (name) => bare.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: String(++bareRv) } }));
await api.close();
await bare.close();

const result = {
  creates: CREATES,
  podCreatesPerSecond: apiCreates,
  bareCreatesPerSecond: bareCreates,
  createRatioToBare: apiCreates / bareCreates,
  events: EVENTS,
  watchToInformerMedianMs: median(apiLatency),
  watchToInformerP99Ms: percentile(apiLatency, 0.99),
  bareWatchToInformerMedianMs: median(bareLatency),
  bareWatchToInformerP99Ms: percentile(bareLatency, 0.99),
};
console.log(
  `pod creates through client-node: ${apiCreates.toFixed(0)}/s | bare echo server: ${bareCreates.toFixed(0)}/s | ratio ${(apiCreates / bareCreates).toFixed(2)}×`,
);
console.log(
  `watch event → informer: median ${result.watchToInformerMedianMs.toFixed(2)} ms, p99 ${result.watchToInformerP99Ms.toFixed(2)} ms | bare stream: median ${result.bareWatchToInformerMedianMs.toFixed(2)} ms, p99 ${result.bareWatchToInformerP99Ms.toFixed(2)} ms`,
);
writeBenchResult('testkit-apiserver', result);
