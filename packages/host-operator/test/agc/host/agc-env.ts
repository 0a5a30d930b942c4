// Shared setup of the agc host tests: a testkit API server with the CRDs and a tenant namespace, the fake
// GitHub with one App, the App files on disk, a kubeconfig file, and a clock the test can move forward.
import { API_VERSION, RUNNER_GROUP_KIND, crdManifests, type Clock } from '@actions-gateway/core';
import { startApiServer, startFakeGitHub, type ApiServer, type CreatedApp, type FakeGitHub, type FakeTimings, type KubeletOptions } from '@actions-gateway/testkit';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

export interface AgcEnv {
  readonly server: ApiServer;
  readonly github: FakeGitHub;
  readonly app: CreatedApp;
  readonly namespace: string;
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly appDir: string;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly objects: KubernetesObjectApi;
  /** The AGC's clock: the wall clock plus what the test skipped; `sleep` skips instead of waiting. */
  readonly clock: SkippingClock;
  /** JSON log lines the AGC wrote. */
  readonly logs: string[];
  readonly logStream: PassThrough;
  args(extra?: string[]): string[];
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Wall time plus an offset the test moves; sleeps advance the offset and resolve at once. */
export class SkippingClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  skip(ms: number): void {
    this.offsetMs += ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    this.offsetMs += Math.max(0, ms);
    return new Promise((resolve) => setImmediate(() => resolve(!signal?.aborted)));
  }
}

export async function startAgcEnv(options: { kubelet?: KubeletOptions; namespace?: string; fakeTimings?: Partial<FakeTimings> } = {}): Promise<AgcEnv> {
  const namespace = options.namespace ?? 'team-a';
  const server = await startApiServer({ kubelet: options.kubelet ?? { startDelayMs: 0 } });
  const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  }
  const core = server.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const github = await startFakeGitHub({ profile: 'fast', holdMs: 200, ...(options.fakeTimings && { timings: options.fakeTimings }) });
  const app = github.control.createApp({ org: 'acme' });
  github.control.addRepo('acme/app');
  const dir = mkdtempSync(join(tmpdir(), 'agc-'));
  const appDir = join(dir, 'github-app');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(appDir);
  // Trailing whitespace on purpose: Secret files often end in a newline.
  writeFileSync(join(appDir, 'appId'), `${app.appId}\n`);
  writeFileSync(join(appDir, 'installationId'), ` ${app.installationId}\n`);
  writeFileSync(join(appDir, 'privateKey'), `${app.privateKeyPem}\n\n`);
  const kubeconfigPath = join(dir, 'kubeconfig');
  server.writeKubeconfig(kubeconfigPath);
  const logs: string[] = [];
  const logStream = new PassThrough();
  let partial = '';
  logStream.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      logs.push(partial.slice(0, nl));
      partial = partial.slice(nl + 1);
    }
  });
  return {
    server,
    github,
    app,
    namespace,
    dir,
    kubeconfigPath,
    appDir,
    core,
    custom: server.kubeConfig.makeApiClient(CustomObjectsApi),
    objects,
    clock: new SkippingClock(),
    logs,
    logStream,
    args: (extra = []) => [
      '--kubeconfig', kubeconfigPath,
      '--metrics-bind-address', '127.0.0.1:0',
      '--health-probe-bind-address', '127.0.0.1:0',
      '--github-app-dir', appDir,
      '--proxy-ca-file', join(dir, 'no-proxy-ca.crt'),
      ...extra,
    ],
    env: (extra = {}) => ({ POD_NAMESPACE: namespace, GITHUB_ORG_URL: `${github.url}/acme`, GITHUB_API_BASE_URL: github.url, SECURITY_PROFILE: 'restricted', WORKER_SERVICE_ACCOUNT: 'actions-gateway-worker', ...extra }),
    close: async () => {
      await github.close();
      await server.close();
    },
  };
}

/** A RunnerGroup object. */
export function runnerGroup(namespace: string, name: string, spec: Record<string, unknown> = {}): KubernetesObject & { spec: Record<string, unknown> } {
  return {
    apiVersion: API_VERSION,
    kind: RUNNER_GROUP_KIND.kind,
    metadata: { name, namespace },
    spec: { acquisitionProtocol: 'Classic', runnerLabels: ['self-hosted', 'linux'], podTemplate: { spec: { containers: [{ name: 'runner' }] } }, ...spec },
  };
}

/** Polls `probe` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
