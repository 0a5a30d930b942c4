// The fakes of the agc bench in a process of their own: the testkit API server (CRDs and namespaces in place,
// a kubelet that ends every pod at once) and the fake GitHub (an App, a repo, runner keys from a pool).
// `agc-burst.bench.ts` runs them here for the memory figures, so the heap it measures is the client's alone.
// Prints one line `ready {"kubeconfig":…,"appDir":…,"githubUrl":…}` and serves until SIGTERM.
import { API_VERSION, crdManifests } from '@actions-gateway/core';
import { startApiServer, startFakeGitHub, type ApiServer, type FakeGitHub } from '@actions-gateway/testkit';
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Namespaces the bench uses: the AGC's and the baseline's. */
export const BENCH_NAMESPACES = ['bench', 'baseline'] as const;

/** What {@link startBenchFakes} started, and the files a client needs. */
export interface BenchFakes {
  server: ApiServer;
  fake: FakeGitHub;
  /** A directory with `appId`, `installationId`, `privateKey` (the AGC's `--github-app-dir`). */
  appDir: string;
  kubeconfig: string;
  close(): Promise<void>;
}

/**
 * Starts both fakes. `holdMs` is the broker's long-poll hold: production's 50 s for idle sessions (each poll
 * costs both sides work), 30 s for the burst.
 */
export async function startBenchFakes(holdMs: number): Promise<BenchFakes> {
  const server = await startApiServer({ kubelet: { startDelayMs: 0, defaultOutcome: { phase: 'Succeeded', afterMs: 0 } } });
  const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  for (const { object } of crdManifests()) if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  const core = server.kubeConfig.makeApiClient(CoreV1Api);
  for (const name of BENCH_NAMESPACES) await core.createNamespace({ body: { metadata: { name } } });
  // A burst queues jobs far longer than the fast profile's 15 s unstarted-cancel: keep them queued as GitHub does.
  // Registrations take a pre-generated key: GitHub makes runner keys on its own machines, not in the AGC's process.
  const fake = await startFakeGitHub({ profile: 'fast', holdMs, runnerKeys: { ahead: 64, reuse: true }, maxRecorded: 200_000, timings: { unstartedCancelMs: 3_600_000, lockTtlMs: 600_000, sessionIdleMs: 3_600_000 } });
  const app = fake.control.createApp({ org: 'acme' });
  fake.control.addRepo('acme/app');
  const dir = mkdtempSync(join(tmpdir(), 'agc-bench-'));
  const appDir = join(dir, 'app');
  mkdirSync(appDir);
  writeFileSync(join(appDir, 'appId'), String(app.appId));
  writeFileSync(join(appDir, 'installationId'), String(app.installationId));
  writeFileSync(join(appDir, 'privateKey'), app.privateKeyPem);
  const kubeconfig = join(dir, 'kubeconfig');
  server.writeKubeconfig(kubeconfig);
  return { server, fake, appDir, kubeconfig, close: async () => (await fake.close(), await server.close()) };
}

/** What the child process prints once ready. */
export interface BenchFakesReady {
  kubeconfig: string;
  appDir: string;
  githubUrl: string;
  apiVersion: string;
}

if (process.argv[1]?.endsWith('agc-fakes.ts') && process.argv.includes('--serve')) {
  const holdMs = Number(process.argv[process.argv.indexOf('--serve') + 1] ?? 50_000);
  const fakes = await startBenchFakes(holdMs);
  const ready: BenchFakesReady = { kubeconfig: fakes.kubeconfig, appDir: fakes.appDir, githubUrl: fakes.fake.url, apiVersion: API_VERSION };
  process.stdout.write(`ready ${JSON.stringify(ready)}\n`);
  process.once('SIGUSR2', () => process.exit(0)); // the bench's quick exit when it profiles this process
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await fakes.close();
  process.exit(0);
}
