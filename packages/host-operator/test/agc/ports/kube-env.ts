// A testkit API server with a manual clock and a tenant namespace, shared by the port tests.
import { API_VERSION, RUNNER_GROUP_KIND, crdManifests } from '@actions-gateway/core';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
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

/**
 * Installs the CRDs and creates a RunnerGroup; returns its uid. Worker pods and Secrets are owned by it, and
 * the garbage collector removes dependents of an owner that is not there.
 */
export async function createRunnerGroup(env: KubeEnv, name: string, labels: readonly string[] = ['self-hosted', 'linux']): Promise<string> {
  const objects = KubernetesObjectApi.makeApiClient(env.server.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind !== 'CustomResourceDefinition') continue;
    await objects.create(object).catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
  }
  const group = await objects.create({
    apiVersion: API_VERSION,
    kind: RUNNER_GROUP_KIND.kind,
    metadata: { name, namespace: env.namespace },
    spec: { runnerLabels: [...labels], podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
  } as KubernetesObject);
  return group.metadata?.uid ?? '';
}
