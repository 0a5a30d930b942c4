// The agc under a burst and at rest, against the testkit API server and the fake GitHub (`agc-fakes.ts`):
//   1. a burst of queued jobs (AGC_BENCH_JOBS, default 1,000): claim (acquirejob at the fake) → worker pod
//      created (first seen by a watch) p50/p99 and jobs/s, beside bare client-node pod creates against the same
//      API server at the same concurrency (the floor any AGC sits on). The fakes run in this process (the
//      figures need the fake's request log); so their CPU is on this process's event loop on both sides.
//   2. memory per idle listener session for each count in AGC_BENCH_SESSIONS (default "1000,10000"): that many
//      RunnerGroups each holding one open, long-polling session, beside as many bare broker-client sessions
//      long-polling in a loop (what a session costs without the AGC). The fakes run in a child process, so the
//      heap measured is the client's alone on both sides; the figure is the heap added per session past the
//      first tenth (warm-up excluded; the figure with warm-up is printed too). Each group of the AGC side is
//      one RunnerGroup object, one agent, one session: the whole per-tenant-group cost, not the session's alone.
// AGC_BENCH_PART=burst|idle runs one part; AGC_BENCH_TRACE=<file> writes the burst's timeline (every call at the
// fake GitHub, when each pod was seen) for a breakdown of a job's time; AGC_BENCH_HEAP_SNAPSHOTS=<dir> writes heap snapshots around the
// AGC's and the bare sessions' idle ramps (for finding what a session holds: diff each side's warm and all).
import { ClassicBrokerSession, GitHubApp } from '@actions-gateway/broker-client';
import { API_VERSION, RUNNER_GROUP_KIND } from '@actions-gateway/core';
import { KubeConfig, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setMaxListeners } from 'node:events';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { createClassicListenerTier, Informer, startAgc, type AgcProcess, type KubeObject } from '../src/index.js';
import { median, percentile, writeBenchResult } from '../../../scripts/bench-support.js';
import { startBenchFakes, type BenchFakesReady } from './agc-fakes.js';

const JOBS = Number(process.env['AGC_BENCH_JOBS'] ?? 1000);
const SESSION_COUNTS = (process.env['AGC_BENCH_SESSIONS'] ?? '1000,10000').split(',').map(Number);
const PART = process.env['AGC_BENCH_PART'];
const SNAPSHOTS = process.env['AGC_BENCH_HEAP_SNAPSHOTS'];
const TRACE = process.env['AGC_BENCH_TRACE'];
const GROUPS = 4;
const LISTENERS_PER_GROUP = 10;
/** Pre-registered spare agents per group (AGC_BENCH_SPARES; the groups' `spec.spareAgents`), for the burst part. */
const SPARES = Number(process.env['AGC_BENCH_SPARES'] ?? LISTENERS_PER_GROUP);
/**
 * Agent registrations in flight at once across the groups (AGC_BENCH_REGISTRATIONS; the tier's
 * `registrationConcurrency`, default 8): every classic job spends one registration, so this bounds jobs/s.
 */
const REGISTRATIONS = process.env['AGC_BENCH_REGISTRATIONS'] === undefined ? undefined : Number(process.env['AGC_BENCH_REGISTRATIONS']);
const NS = 'bench';
const gc = (globalThis as { gc?: () => void }).gc;

const nullLog = new Writable({ write: (_c, _e, done) => done() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Where the AGC finds its fakes. */
interface Target {
  kubeConfig: KubeConfig;
  kubeconfig: string;
  appDir: string;
  githubUrl: string;
}

/**
 * The idle part sets thousands of groups up: more parallel reconciles and registrations than the defaults
 * (which suit a running AGC) only make that setup faster; once the sessions idle, neither holds anything.
 */
const SETUP = PART === 'idle' ? { concurrency: 32, registrationConcurrency: 32 } : { concurrency: 8, registrationConcurrency: REGISTRATIONS };

async function agcOn(w: Target): Promise<AgcProcess> {
  const started = await startAgc(
    ['--kubeconfig', w.kubeconfig, '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--github-app-dir', w.appDir, '--proxy-ca-file', join(w.appDir, 'none')],
    { POD_NAMESPACE: NS, GITHUB_ORG_URL: `${w.githubUrl}/acme`, GITHUB_API_BASE_URL: w.githubUrl },
    {
      tiers: {
        Classic: createClassicListenerTier({
          kubeConfig: w.kubeConfig,
          timings: { restartDelayMs: 50, maxRestartDelayMs: 200, admissionRecheckMs: 100, minPollIntervalMs: 0 },
          ...(SETUP.registrationConcurrency !== undefined && { registrationConcurrency: SETUP.registrationConcurrency }),
        }),
      },
      logDestination: nullLog,
      concurrency: SETUP.concurrency,
    },
  );
  if ('help' in started) throw new Error('help');
  return started;
}

function group(name: string, maxListeners: number, spareAgents = 0): KubernetesObject {
  return {
    apiVersion: API_VERSION,
    kind: RUNNER_GROUP_KIND.kind,
    metadata: { name, namespace: NS },
    spec: { acquisitionProtocol: 'Classic', maxListeners, spareAgents, completedPodTTL: '1h', runnerLabels: ['self-hosted', name], podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
  } as KubernetesObject;
}

async function activeSessions(w: Target, names: readonly string[]): Promise<number> {
  const custom = w.kubeConfig.makeApiClient(CustomObjectsApi);
  const list = (await custom.listNamespacedCustomObject({ group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups', namespace: NS })) as { items: { metadata: { name: string }; status?: { activeSessions?: number } }[] };
  return list.items.filter((i) => names.includes(i.metadata.name)).reduce((n, i) => n + (i.status?.activeSessions ?? 0), 0);
}

/** Part 1: the burst. */
async function burst(): Promise<Record<string, number>> {
  const fakes = await startBenchFakes(30_000);
  const w = { ...fakes, kubeConfig: fakes.server.kubeConfig, githubUrl: fakes.fake.url, objects: KubernetesObjectApi.makeApiClient(fakes.server.kubeConfig), core: fakes.server.kubeConfig.makeApiClient(CoreV1Api) };
  const agc = await agcOn(w);
  const names = Array.from({ length: GROUPS }, (_, i) => `burst-${i}`);
  const groupsAt = Date.now();
  for (const n of names) await w.objects.create(group(n, LISTENERS_PER_GROUP, SPARES));
  await until(async () => (await activeSessions(w, names)) >= GROUPS, 'a session per group', 300_000);
  const sessionsUpSeconds = (Date.now() - groupsAt) / 1000;
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
  if (TRACE) {
    // The raw timeline, for a breakdown of where a job's time goes (every call at the fake GitHub, every pod seen).
    const requests = w.fake.control.requests().map((r) => ({ at: r.at, method: r.method, path: r.path, status: r.status, query: r.query, body: r.body }));
    const views = jobs.map((j) => w.fake.control.job(j.requestId));
    writeFileSync(TRACE, JSON.stringify({ started, requests, jobs: views, podSeen: Object.fromEntries(created) }));
  }
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
    groupsToFirstSessionsSeconds: sessionsUpSeconds,
    baselineCreateP50Ms: median(creates),
    baselineCreateP99Ms: percentile(creates, 0.99),
    baselinePodsPerSecond: JOBS / baseSeconds,
  };
}

/** V8 heap in use after a full GC, in all and without the code spaces (compiled code is no session's). */
function heapUsed(): { all: number; data: number } {
  gc?.();
  gc?.();
  const code = getHeapSpaceStatistics()
    .filter((s) => s.space_name.startsWith('code'))
    .reduce((n, s) => n + s.space_used_size, 0);
  const all = process.memoryUsage().heapUsed;
  return { all, data: all - code };
}

/** Starts `agc-fakes.ts` in a child process with the broker's production hold. */
async function childFakes(): Promise<{ target: Target; stop(): Promise<void> }> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const tsx = join(here, '..', '..', '..', 'node_modules', '.bin', 'tsx');
  const child: ChildProcess = spawn(tsx, [...(process.env['AGC_BENCH_FAKES_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['AGC_BENCH_FAKES_PROF']}`] : []), '--conditions=source', join(here, 'agc-fakes.ts'), '--serve', '50000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // Its own process group: `tsx` runs the fakes in a grandchild, which a signal to `tsx` alone would orphan.
    detached: true,
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<BenchFakesReady>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench fakes exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) resolve(JSON.parse(line.slice(6)) as BenchFakesReady);
    });
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(ready.kubeconfig);
  return {
    target: { kubeConfig, kubeconfig: ready.kubeconfig, appDir: ready.appDir, githubUrl: ready.githubUrl },
    stop: () =>
      new Promise<void>((resolve) => {
        // A throwaway process: a graceful close would wait out every held long-poll. When profiled, SIGUSR2
        // makes it exit at once but normally, so Node writes the profile.
        child.once('exit', () => resolve());
        process.kill(-child.pid!, process.env['AGC_BENCH_FAKES_PROF'] ? 'SIGUSR2' : 'SIGKILL');
      }),
  };
}

/**
 * Waits until the AGC's controller has caught up (an empty work queue and no reconcile finished for 2 s):
 * "idle" means the reconciles the sessions' changes caused are done, not queued or in flight.
 */
async function quiescent(agc: AgcProcess): Promise<void> {
  const read = async (): Promise<string> => {
    const depth = (await agc.registry.getSingleMetric('workqueue_depth')?.get())?.values.find((v) => v.labels['name'] === 'runnergroup')?.value ?? 0;
    const done = (await agc.registry.getSingleMetric('controller_runtime_reconcile_total')?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
    return `${depth}/${done}`;
  };
  let last = '';
  await until(async () => {
    const now = await read();
    const settled = now === last && now.startsWith('0/');
    last = now;
    return settled;
  }, 'the controller to settle', 30 * 60_000, 2_000);
}

/** Long-polls held open at the fake right now (its control API). */
async function heldPolls(w: Target): Promise<number> {
  const res = await fetch(`${w.githubUrl}/_control/held-polls`);
  return ((await res.json()) as { held: number }).held;
}

/** Runs `work(i)` for i < count, `parallel` at a time. */
async function inBatches(count: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/**
 * Part 2: memory per idle session, `count` sessions on each side. Each side is measured twice: once a tenth of
 * the sessions poll (warm-up: compiled code, lazy caches, pools), then once all do; the figure is the heap
 * growth between the two over the sessions added, i.e. what one more idle session costs. The whole growth
 * over all sessions (warm-up included) is reported beside it.
 */
async function idle(count: number): Promise<Record<string, number>> {
  const warm = Math.max(1, Math.floor(count / 10));
  const a = await childFakes();
  const w = a.target;
  const agc = await agcOn(w);
  const objects = KubernetesObjectApi.makeApiClient(w.kubeConfig);
  await until(() => agc.isReady(), 'agc ready', 120_000);
  const agcStart = Date.now();
  const agcRamp = async (from: number, to: number): Promise<{ all: number; data: number }> => {
    await inBatches(to - from, 16, async (i) => void (await objects.create(group(`idle-${from + i}`, 1))));
    await until(async () => (await heldPolls(w)) >= to, `${to} held polls`, 30 * 60_000, 1_000);
    await quiescent(agc);
    await sleep(2_000);
    return heapUsed();
  };
  const agcZero = heapUsed();
  const agcWarm = await agcRamp(0, warm);
  if (SNAPSHOTS) writeHeapSnapshot(join(SNAPSHOTS, `agc-idle-${count}-warm.heapsnapshot`));
  const agcAll = await agcRamp(warm, count);
  if (SNAPSHOTS) writeHeapSnapshot(join(SNAPSHOTS, `agc-idle-${count}-all.heapsnapshot`));
  const agcSetupSeconds = (Date.now() - agcStart) / 1000;
  const agcSessions = await activeSessions(w, Array.from({ length: count }, (_, i) => `idle-${i}`));
  await agc.shutdown();
  await a.stop();

  // Baseline: bare broker-client sessions long-polling in a loop, no AGC, against fresh fakes.
  const b = await childFakes();
  const file = (name: string): string => readFileSync(join(b.target.appDir, name), 'utf8');
  const app = new GitHubApp({ githubUrl: `${b.target.githubUrl}/acme`, appId: Number(file('appId')), installationId: Number(file('installationId')), privateKey: file('privateKey') });
  await app.start();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every session's poll listens to it
  const sessions: ClassicBrokerSession[] = [];
  const loops: Promise<void>[] = [];
  const bareStart = Date.now();
  const bareRamp = async (from: number, to: number): Promise<{ all: number; data: number }> => {
    await inBatches(to - from, 16, async (i) => {
      const runner = await app.registrar.generateJitConfig({ name: `bare-${from + i}`, runnerGroupId: 1, labels: ['self-hosted', `bare-${from + i}`] });
      const session = await ClassicBrokerSession.create({ jit: runner.jit, runnerVersion: '2.335.1' });
      sessions.push(session);
      loops.push(
        (async () => {
          while (!stop.signal.aborted) await session.getMessage({ signal: stop.signal }).catch(() => undefined);
        })(),
      );
    });
    await until(async () => (await heldPolls(b.target)) >= to, `${to} bare held polls`, 30 * 60_000, 1_000);
    await sleep(2_000);
    return heapUsed();
  };
  const bareZero = heapUsed();
  const bareWarm = await bareRamp(0, warm);
  if (SNAPSHOTS) writeHeapSnapshot(join(SNAPSHOTS, `bare-idle-${count}-warm.heapsnapshot`));
  const bareAll = await bareRamp(warm, count);
  if (SNAPSHOTS) writeHeapSnapshot(join(SNAPSHOTS, `bare-idle-${count}-all.heapsnapshot`));
  const bareSetupSeconds = (Date.now() - bareStart) / 1000;
  stop.abort();
  await Promise.all(loops);
  await inBatches(sessions.length, 16, async (i) => void (await sessions[i]!.close().catch(() => undefined)));
  await app.stop();
  await b.stop();
  return {
    sessions: count,
    agcActiveSessions: agcSessions,
    bytesPerSession: (agcAll.all - agcWarm.all) / (count - warm),
    bareBytesPerSession: (bareAll.all - bareWarm.all) / (count - warm),
    // The same without V8's code spaces: code compiled (and optimised) while the ramp runs is counted above,
    // though no session holds it; the AGC runs far more code than a bare session, so its figure gains more.
    dataBytesPerSession: (agcAll.data - agcWarm.data) / (count - warm),
    bareDataBytesPerSession: (bareAll.data - bareWarm.data) / (count - warm),
    bytesPerSessionWithWarmup: (agcAll.all - agcZero.all) / count,
    bareBytesPerSessionWithWarmup: (bareAll.all - bareZero.all) / count,
    agcSetupSeconds,
    bareSetupSeconds,
    gcAvailable: gc ? 1 : 0,
  };
}

const result: Record<string, unknown> = { groups: GROUPS, listenersPerGroup: LISTENERS_PER_GROUP, spareAgentsPerGroup: SPARES, registrationConcurrency: REGISTRATIONS ?? 'default' };
if (PART !== 'idle') {
  const r = await burst();
  result['burst'] = r;
  console.log(
    `agc burst, ${r.jobs} queued jobs over ${GROUPS} groups × maxListeners ${LISTENERS_PER_GROUP} (+${SPARES} spare agents, registrations in flight ${REGISTRATIONS ?? 'default'}): claim → pod created p50 ${r.claimToPodP50Ms!.toFixed(1)} ms, p99 ${r.claimToPodP99Ms!.toFixed(1)} ms, ` +
      `${r.jobsPerSecond!.toFixed(1)} jobs/s (first claim → last pod; enqueue → last pod ${r.enqueueToLastPodSeconds!.toFixed(1)} s; groups created → a session each ${r.groupsToFirstSessionsSeconds!.toFixed(1)} s) ` +
      `| baseline bare client-node creates at concurrency ${GROUPS * LISTENERS_PER_GROUP}: p50 ${r.baselineCreateP50Ms!.toFixed(1)} ms, p99 ${r.baselineCreateP99Ms!.toFixed(1)} ms, ${r.baselinePodsPerSecond!.toFixed(0)} pods/s ` +
      `(ratio jobs/s ÷ pods/s ${(r.jobsPerSecond! / r.baselinePodsPerSecond!).toFixed(3)}) | goal ≥ 500 jobs/s, p99 ≤ 50 ms`,
  );
}
if (PART !== 'burst') {
  const idles: Record<string, number>[] = [];
  for (const count of SESSION_COUNTS) {
    const r = await idle(count);
    idles.push(r);
    console.log(
      `agc idle sessions, ${r.sessions} groups × 1 open session, heap per added session past the first tenth (status: ${r.agcActiveSessions} active; all polling in ${r.agcSetupSeconds!.toFixed(0)} s): ${(r.bytesPerSession! / 1024).toFixed(1)} KiB heap per session ` +
        `(with warm-up ${(r.bytesPerSessionWithWarmup! / 1024).toFixed(1)}) | baseline bare broker-client sessions (up in ${r.bareSetupSeconds!.toFixed(0)} s): ${(r.bareBytesPerSession! / 1024).toFixed(1)} KiB ` +
        `(with warm-up ${(r.bareBytesPerSessionWithWarmup! / 1024).toFixed(1)}) (ratio ${(r.bytesPerSession! / r.bareBytesPerSession!).toFixed(2)}) | goal ≤ 20 KiB | ` +
        `without V8 code space: ${(r.dataBytesPerSession! / 1024).toFixed(1)} KiB vs bare ${(r.bareDataBytesPerSession! / 1024).toFixed(1)} KiB`,
    );
  }
  result['idle'] = idles;
}
writeBenchResult('host-operator-agc-burst', result);
process.exit(0);
