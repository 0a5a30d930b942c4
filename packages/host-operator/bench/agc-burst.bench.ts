// The agc under a burst and at rest, in process against the testkit API server and the fake GitHub:
//   1. a burst of queued jobs (AGC_BENCH_JOBS, 1,000): claim (acquirejob at the fake) → worker pod created
//      (first seen by a watch) p50/p99 and jobs/s, beside bare client-node pod creates against the same API
//      server at the same concurrency (the floor any AGC sits on);
//   2. memory per idle listener session with AGC_BENCH_SESSIONS groups (1,000) each holding one open session,
//      beside the same number of bare broker-client sessions polling (what a session costs without the AGC).
// Both sides include the fakes' own per-session state, which is the same on both sides of each ratio.
import { ClassicBrokerSession, GitHubApp } from '@actions-gateway/broker-client';
import { API_VERSION, RUNNER_GROUP_KIND, crdManifests } from '@actions-gateway/core';
import { startApiServer, startFakeGitHub, type ApiServer, type FakeGitHub } from '@actions-gateway/testkit';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createClassicListenerTier, Informer, startAgc, type AgcProcess, type KubeObject } from '../src/index.js';
import { median, percentile, writeBenchResult } from '../../../scripts/bench-support.js';

const JOBS = Number(process.env['AGC_BENCH_JOBS'] ?? 1000);
const SESSIONS = Number(process.env['AGC_BENCH_SESSIONS'] ?? 1000);
const GROUPS = 4;
const LISTENERS_PER_GROUP = 10;
const NS = 'bench';
const gc = (globalThis as { gc?: () => void }).gc;

const nullLog = new Writable({ write: (_c, _e, done) => done() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface World {
  server: ApiServer;
  fake: FakeGitHub;
  appDir: string;
  kubeconfig: string;
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  close(): Promise<void>;
}

async function world(): Promise<World> {
  const server = await startApiServer({ kubelet: { startDelayMs: 0, defaultOutcome: { phase: 'Succeeded', afterMs: 0 } } });
  const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  for (const { object } of crdManifests()) if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  const core = server.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespace({ body: { metadata: { name: 'baseline' } } });
  // A burst queues jobs far longer than the fast profile's 15 s unstarted-cancel: keep them queued as GitHub does.
  const fake = await startFakeGitHub({ profile: 'fast', holdMs: 30_000, runnerKeyPool: 64, timings: { unstartedCancelMs: 3_600_000, lockTtlMs: 600_000 } });
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
  return { server, fake, appDir, kubeconfig, objects, core, close: async () => (await fake.close(), await server.close()) };
}

async function agcOn(w: World): Promise<AgcProcess> {
  const started = await startAgc(
    ['--kubeconfig', w.kubeconfig, '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--github-app-dir', w.appDir, '--proxy-ca-file', join(w.appDir, 'none')],
    { POD_NAMESPACE: NS, GITHUB_ORG_URL: `${w.fake.url}/acme`, GITHUB_API_BASE_URL: w.fake.url },
    {
      tiers: { Classic: createClassicListenerTier({ kubeConfig: w.server.kubeConfig, timings: { restartDelayMs: 50, maxRestartDelayMs: 200, admissionRecheckMs: 100, minPollIntervalMs: 0 } }) },
      logDestination: nullLog,
      concurrency: 8,
    },
  );
  if ('help' in started) throw new Error('help');
  return started;
}

function group(name: string, maxListeners: number): KubernetesObject {
  return {
    apiVersion: API_VERSION,
    kind: RUNNER_GROUP_KIND.kind,
    metadata: { name, namespace: NS },
    spec: { acquisitionProtocol: 'Classic', maxListeners, completedPodTTL: '1h', runnerLabels: ['self-hosted', name], podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
  } as KubernetesObject;
}

async function activeSessions(w: World, names: readonly string[]): Promise<number> {
  const custom = w.server.kubeConfig.makeApiClient(CustomObjectsApi);
  const list = (await custom.listNamespacedCustomObject({ group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups', namespace: NS })) as { items: { metadata: { name: string }; status?: { activeSessions?: number } }[] };
  return list.items.filter((i) => names.includes(i.metadata.name)).reduce((n, i) => n + (i.status?.activeSessions ?? 0), 0);
}

/** Part 1: the burst. */
async function burst(): Promise<Record<string, number>> {
  const w = await world();
  const agc = await agcOn(w);
  const names = Array.from({ length: GROUPS }, (_, i) => `burst-${i}`);
  for (const n of names) await w.objects.create(group(n, LISTENERS_PER_GROUP));
  await until(async () => (await activeSessions(w, names)) >= GROUPS, 'a session per group', 300_000);
  const created = new Map<string, number>();
  const pods = new Informer<KubeObject>({ kubeConfig: w.server.kubeConfig, path: `/api/v1/namespaces/${NS}/pods` });
  pods.addHandlers({
    add: (p) => {
      const planId = p.metadata?.annotations?.['actions-gateway/plan-id'];
      if (planId && !created.has(planId)) created.set(planId, Date.now());
    },
  });
  pods.start();
  await pods.waitForSync();
  w.fake.control.clearRequests();
  const started = Date.now();
  const jobs = Array.from({ length: JOBS }, (_, i) => w.fake.control.enqueueJob({ repo: 'acme/app', labels: ['self-hosted', names[i % GROUPS]!], durationMs: 600_000 }));
  await until(() => created.size >= JOBS, `${JOBS} worker pods`, 30 * 60_000);
  const finished = Date.now();
  const acquiredAt = new Map<string, number>();
  for (const r of w.fake.control.requests()) {
    if (r.path.endsWith('/acquirejob') && r.status === 200) acquiredAt.set(String((r.body as { jobMessageId?: unknown }).jobMessageId), r.at);
  }
  const latencies: number[] = [];
  for (const j of jobs) {
    const view = w.fake.control.job(j.requestId)!;
    const at = view.deliveries.map((d) => acquiredAt.get(d.runnerRequestId)).find((t) => t !== undefined);
    const seen = created.get(j.planId);
    if (at !== undefined && seen !== undefined) latencies.push(seen - at);
  }
  const firstAcquire = Math.min(...acquiredAt.values());
  await pods.stop();
  await agc.shutdown();

  // Baseline: the same number of bare pod creates, at the AGC's concurrency, on the same server.
  const concurrency = GROUPS * LISTENERS_PER_GROUP;
  const creates: number[] = [];
  const baseStart = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < JOBS) {
        const i = next++;
        const t = Date.now();
        await w.core.createNamespacedPod({ namespace: 'baseline', body: { metadata: { name: `bare-${i}` }, spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'runner:1' }] } } });
        creates.push(Date.now() - t);
      }
    }),
  );
  const baseSeconds = (Date.now() - baseStart) / 1000;
  await w.close();
  return {
    jobs: JOBS,
    measured: latencies.length,
    claimToPodP50Ms: median(latencies),
    claimToPodP99Ms: percentile(latencies, 0.99),
    jobsPerSecond: JOBS / ((finished - firstAcquire) / 1000),
    enqueueToLastPodSeconds: (finished - started) / 1000,
    baselineCreateP50Ms: median(creates),
    baselineCreateP99Ms: percentile(creates, 0.99),
    baselinePodsPerSecond: JOBS / baseSeconds,
  };
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** Part 2: memory per idle session. */
async function idle(): Promise<Record<string, number>> {
  const w = await world();
  const agc = await agcOn(w);
  const names = Array.from({ length: SESSIONS }, (_, i) => `idle-${i}`);
  await until(() => agc.isReady(), 'agc ready', 60_000);
  const before = heapUsed();
  for (const n of names) await w.objects.create(group(n, 1));
  await until(async () => (await activeSessions(w, names)) >= SESSIONS, `${SESSIONS} open sessions`, 30 * 60_000);
  await sleep(2_000);
  const agcBytes = (heapUsed() - before) / SESSIONS;
  await agc.shutdown();
  await w.close();

  // Baseline: bare broker-client sessions polling, no AGC.
  const b = await world();
  const file = (name: string): string => readFileSync(join(b.appDir, name), 'utf8');
  const app = new GitHubApp({ githubUrl: `${b.fake.url}/acme`, appId: Number(file('appId')), installationId: Number(file('installationId')), privateKey: file('privateKey') });
  await app.start();
  const baseBefore = heapUsed();
  const sessions: ClassicBrokerSession[] = [];
  const polls: Promise<unknown>[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const runner = await app.registrar.generateJitConfig({ name: `bare-${i}`, runnerGroupId: 1, labels: ['self-hosted', `bare-${i}`] });
    const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.335.1' });
    sessions.push(session);
    polls.push(session.getMessage().catch(() => undefined));
  }
  await sleep(2_000);
  const bareBytes = (heapUsed() - baseBefore) / SESSIONS;
  await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  await app.stop();
  await b.close();
  return { sessions: SESSIONS, bytesPerSession: agcBytes, bareBytesPerSession: bareBytes, gcAvailable: gc ? 1 : 0 };
}

const burstResult = await burst();
console.log(
  `agc burst, ${burstResult.jobs} queued jobs over ${GROUPS} groups × maxListeners ${LISTENERS_PER_GROUP}: claim → pod created p50 ${burstResult.claimToPodP50Ms!.toFixed(1)} ms, p99 ${burstResult.claimToPodP99Ms!.toFixed(1)} ms, ` +
    `${burstResult.jobsPerSecond!.toFixed(1)} jobs/s (first claim → last pod; enqueue → last pod ${burstResult.enqueueToLastPodSeconds!.toFixed(1)} s) ` +
    `| baseline bare client-node creates at concurrency ${GROUPS * LISTENERS_PER_GROUP}: p50 ${burstResult.baselineCreateP50Ms!.toFixed(1)} ms, p99 ${burstResult.baselineCreateP99Ms!.toFixed(1)} ms, ${burstResult.baselinePodsPerSecond!.toFixed(0)} pods/s ` +
    `(ratio jobs/s ÷ pods/s ${(burstResult.jobsPerSecond! / burstResult.baselinePodsPerSecond!).toFixed(3)}) | goal ≥ 500 jobs/s, p99 ≤ 50 ms`,
);
const idleResult = await idle();
console.log(
  `agc idle sessions, ${idleResult.sessions} groups × 1 open session: ${(idleResult.bytesPerSession! / 1024).toFixed(1)} KiB heap per session ` +
    `| baseline bare broker-client sessions: ${(idleResult.bareBytesPerSession! / 1024).toFixed(1)} KiB (ratio ${(idleResult.bytesPerSession! / idleResult.bareBytesPerSession!).toFixed(2)}) | goal ≤ 20 KiB`,
);
writeBenchResult('host-operator-agc-burst', { burst: burstResult, idle: idleResult, groups: GROUPS, listenersPerGroup: LISTENERS_PER_GROUP });
process.exit(0);
