// The sandbox's cluster side: the API server with a kubelet that runs worker pods as local processes through the
// real worker wrapper, the CRDs from deploy/crds, and objects applied (retrying until their type is served).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { Obj } from '../apiserver/json.js';
import type { ApiServer } from '../apiserver/server.js';
import { startApiServer } from '../apiserver/server.js';

/** How worker pods are run: the command (the wrapper) and the env a cluster would give them, per pod. */
export interface WorkerRuntime {
  readonly wrapperArgv: readonly string[];
  /** Variables set over the pod's own: proxy on loopback, the CA bundle, the runner home, the stand-in path. */
  readonly envFor: (namespace: string, podDir: string) => Record<string, string> | undefined;
  readonly podRoot: string;
}

/** Worker pods carry the runner's app label (core's worker pod builder); the AGC's own pods do not. */
export const isWorkerPod = (pod: Obj): boolean => ((pod.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {})['app.kubernetes.io/name'] === 'actions-runner';

/** Starts the API server with the sandbox's kubelet. */
export async function startCluster(port: number, workers: WorkerRuntime): Promise<ApiServer> {
  return startApiServer({
    port,
    kubelet: {
      localProcess: isWorkerPod,
      local: {
        root: workers.podRoot,
        inheritEnv: ['PATH', 'HOME'],
        overrideCommand: () => [...workers.wrapperArgv],
        overrideEnv: (pod, dir) => workers.envFor(String((pod.metadata as { namespace?: string }).namespace), dir),
      },
    },
  });
}

/** The CRDs of deploy/crds (every YAML file but the kustomization). */
export function crdDocuments(root: string): KubernetesObject[] {
  const dir = join(root, 'deploy', 'crds');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  if (files.length === 0) throw new Error(`no CRDs in ${dir}: run \`pnpm generate\``);
  return files.flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubernetesObject)).filter((o) => o?.kind);
}

/** Creates each object, retrying for up to `ms` while its type is not served yet (a CRD just created). */
export async function applyAll(api: ApiServer, objects: readonly KubernetesObject[], ms = 15_000): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(api.kubeConfig);
  for (const o of objects) {
    const end = Date.now() + ms;
    for (;;) {
      try {
        await client.create(o);
        break;
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code === 409) break;
        if (Date.now() > end) throw new Error(`cannot create ${o.kind ?? '?'} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? '?'}: ${(e as Error).message.split('\n')[0] ?? ''}`, { cause: e });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
