// A testkit API server with a manual clock and a tenant namespace, shared by the port tests.
import { CoreV1Api } from '@kubernetes/client-node';
import { ManualClock, startApiServer, type ApiServer } from '@actions-gateway/testkit';

export interface KubeEnv {
  readonly server: ApiServer;
  readonly clock: ManualClock;
  readonly core: CoreV1Api;
  readonly namespace: string;
}

export async function startKubeEnv(namespace = 'ci'): Promise<KubeEnv> {
  const clock = new ManualClock();
  const server = await startApiServer({ clock, kubelet: { startDelayMs: 1_000 } });
  const core = server.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return { server, clock, core, namespace };
}

/** A minimal worker-like pod. */
export function pod(name: string, labels: Record<string, string> = {}, extra: { finalizers?: string[] } = {}) {
  return {
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'actions-gateway-controller', ...labels }, ...(extra.finalizers && { finalizers: extra.finalizers }) },
    spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'runner:1' }] },
  };
}
