// A fake GitHub and an API server whose kubelet runs the stand-in, plus what a listener does before a worker
// pod exists: acquire a job with the product's broker client and stage its payload in a Secret.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { decodeJit } from '../../src/stand-in/jit.js';
import { RunnerSession } from '../../src/stand-in/runner-protocol.js';
import type { Dispatcher } from 'undici';
import type { ApiServer, FakeGitHub, KubeletOptions } from '../../src/index.js';
import { startApiServer, startFakeGitHub } from '../../src/index.js';

export const payloadDir = '/run/secrets/job-payload';

export interface Rig {
  api: ApiServer;
  github: FakeGitHub;
  core: CoreV1Api;
  close(): Promise<void>;
}

export async function rig(kubelet: KubeletOptions, github: { https?: boolean } = {}): Promise<Rig> {
  const gh = await startFakeGitHub({ profile: 'fast', holdMs: 200, ...github });
  gh.control.createApp({ org: 'acme' });
  const api = await startApiServer({ kubelet, controllers: false });
  return {
    api, github: gh, core: api.kubeConfig.makeApiClient(CoreV1Api),
    async close() {
      await api.close();
      await gh.close();
    },
  };
}

/** What a listener holds after acquiring: the job message (the payload it stages) and the plan id. */
export interface Acquired {
  messageJson: string;
  planId: string;
}

/** Registers a persistent runner, opens a session and acquires the next job it is offered (what a listener does). */
export async function acquireNext(github: FakeGitHub, labels: string[], dispatcher?: Dispatcher): Promise<Acquired> {
  const runner = github.control.createRunner({ scope: 'orgs/acme', name: `listener-${Math.random().toString(36).slice(2, 8)}`, labels, ephemeral: false });
  const session = await RunnerSession.open(decodeJit(runner.encodedJitConfig), { runnerVersion: '2.330.0', dispatcher });
  try {
    for (let i = 0; i < 50; i++) {
      const r = await session.poll('Online');
      if (r.kind !== 'job') continue;
      const { message, planIdHeader } = await session.acquire(r.offer);
      return { messageJson: message, planId: planIdHeader! };
    }
    throw new Error('no job offered within 50 polls');
  } finally {
    await session.close();
  }
}

/** A worker pod mounting the job Secret where the wrapper and the stand-in look for it. */
export function workerPod(name: string, secretName: string, container: Partial<V1Pod['spec'] & object>['containers'] extends (infer C)[] | undefined ? Partial<C> : never = {}): V1Pod {
  return {
    metadata: { name, labels: { app: 'worker' } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 10,
      volumes: [{ name: 'job-payload', secret: { secretName } }, ...(container.volumeMounts?.some((m) => m.name === 'home') ? [{ name: 'home', emptyDir: {} }] : [])],
      containers: [{
        name: 'runner', image: 'runner:1', ...container,
        env: [{ name: 'PAYLOAD_SECRET_PATH', value: payloadDir }, ...(container.env ?? [])],
        volumeMounts: [{ name: 'job-payload', mountPath: payloadDir, readOnly: true }, ...(container.volumeMounts ?? [])],
      }],
    },
  };
}

export const phaseOf = (api: ApiServer, name: string): string | undefined =>
  (api.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name })?.status as { phase?: string } | undefined)?.phase;

export async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
