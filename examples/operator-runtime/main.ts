// A tiny custom controller on the @actions-gateway/operator runtime: an Informer feeds a Controller's work
// queue, and the reconcile keeps a "<name>-greeting" ConfigMap in step with every ConfigMap labelled
// example/greet=true. It runs against the testkit's API server on 127.0.0.1.
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { createMetrics } from '@actions-gateway/metrics';
import { Controller, Informer, isNotFound, silentLogger, splitKey } from '@actions-gateway/operator';
import { startApiServer } from '@actions-gateway/testkit';

const server = await startApiServer();
const core = server.kubeConfig.makeApiClient(CoreV1Api);
await core.createNamespace({ body: { metadata: { name: 'demo' } } });

const sources = new Informer<V1ConfigMap & { metadata: { name: string } }>({
  kubeConfig: server.kubeConfig,
  path: '/api/v1/namespaces/demo/configmaps',
  labelSelector: 'example/greet=true',
  logger: silentLogger,
});
const metrics = createMetrics('controller');

/** Makes the greeting ConfigMap say hello to the source's `data.name`; owned by the source, so GC removes it. */
async function reconcile(key: string): Promise<void> {
  const source = sources.store.get(key);
  if (!source) return; // deleted: the owner reference takes the greeting with it
  const { namespace = 'demo', name } = splitKey(key);
  const desired: V1ConfigMap = {
    metadata: {
      name: `${name}-greeting`,
      namespace,
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name, uid: source.metadata.uid!, controller: true }],
    },
    data: { greeting: `hello, ${source.data?.name ?? name}` },
  };
  try {
    const current = await core.readNamespacedConfigMap({ namespace, name: `${name}-greeting` });
    if (current.data?.greeting === desired.data?.greeting) return;
    await core.replaceNamespacedConfigMap({ namespace, name: `${name}-greeting`, body: { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } } });
  } catch (err) {
    if (!isNotFound(err)) throw err; // a throw requeues the key with backoff
    await core.createNamespacedConfigMap({ namespace, body: desired });
  }
}

const controller = new Controller({
  name: 'greeter',
  registry: metrics.registry,
  logger: silentLogger,
  reconcile: async (key) => reconcile(key),
  onError: () => metrics.reconcileErrors.inc({ controller: 'greeter', resource: 'configmap' }),
}).watch(sources);

/** Waits (bounded) until the greeting reads `want`. */
async function greetingBecomes(want: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const greeting = await core
      .readNamespacedConfigMap({ namespace: 'demo', name: 'alice-greeting' })
      .then((cm) => cm.data?.greeting, () => undefined);
    if (greeting === want) return void console.log(`demo/alice-greeting: ${greeting}`);
    if (Date.now() > deadline) throw new Error(`greeting is ${greeting}, wanted ${want}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

try {
  await controller.start(); // waits for the informer's first list
  await core.createNamespacedConfigMap({
    namespace: 'demo',
    body: { metadata: { name: 'alice', labels: { 'example/greet': 'true' } }, data: { name: 'Alice' } },
  });
  await greetingBecomes('hello, Alice');
  // client-node sends a JSON patch by default.
  await core.patchNamespacedConfigMap({ namespace: 'demo', name: 'alice', body: [{ op: 'replace', path: '/data/name', value: 'Alice Liddell' }] });
  await greetingBecomes('hello, Alice Liddell');

  const exposition = await metrics.registry.metrics();
  const reconciles = /^controller_runtime_reconcile_total\{controller="greeter",result="success"\} (\d+)/m.exec(exposition)?.[1];
  if (!reconciles || Number(reconciles) < 2) throw new Error(`expected at least 2 successful reconciles, got ${reconciles}`);
  console.log(`ok: the greeter reconciled ${reconciles} times; the greeting follows its source`);
} finally {
  await controller.stop();
  await sources.stop();
  await server.close();
}
