// `pnpm test:soak [--minutes N] [--jobs-per-minute J] [--sample-seconds S] [--warmup-minutes W] [--heap-snapshots DIR]`:
// runs the sandbox (real gmc, agc and egress-proxy processes) under steady load and reports each host's memory and
// handle growth per hour; writes bench-results/soak.json. Goal: flat (< 5 %/h RSS). The method (docs/soak.md):
// each sample reads RSS and open fds from /proc, then asks the host for a full GC through Node's own inspector
// (SIGUSR1, DevTools HeapProfiler.collectGarbage) and reads RSS again; the figure is the Theil–Sen slope of the
// after-GC RSS over the samples after the warm-up. `--heap-snapshots DIR` also writes a heap snapshot of every
// host after the warm-up and at the end (compare them with scripts/soak-heap-diff.ts); a snapshot inflates the
// host's RSS for good, so a run with snapshots is for finding a leak, not for the figure.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from './bench-support.js';
import { growthPerHour, robustGrowthPerHour, sampleProcess, windowMinima, type Growth, type SoakSample } from './soak-growth.js';
import { collectGarbage, writeHeapSnapshot } from './soak-inspector.js';

const GOAL_PERCENT_PER_HOUR = 5;

function flag(name: string, fallback: number): number {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i]!.includes('=') ? args[i]!.slice(args[i]!.indexOf('=') + 1) : args[i + 1];
  const n = Number(raw);
  if (raw === undefined || !Number.isFinite(n) || n <= 0) {
    console.error(`soak: --${name} must be a positive number (got ${JSON.stringify(raw)})`);
    process.exit(2);
  }
  return n;
}

function stringFlag(name: string): string | undefined {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const raw = args[i]!.includes('=') ? args[i]!.slice(args[i]!.indexOf('=') + 1) : args[i + 1];
  if (!raw) {
    console.error(`soak: --${name} needs a value`);
    process.exit(2);
  }
  return raw;
}

const minutes = flag('minutes', 30);
const jobsPerMinute = flag('jobs-per-minute', 30);
// Steady load, not a growing queue: on a box that runs fewer jobs than offered, a job is skipped while this many
// wait. Memory that holds queued work would otherwise grow with the queue and read as a leak.
const maxBacklog = flag('max-backlog', jobsPerMinute);
const sampleMs = flag('sample-seconds', 30) * 1000;
const warmupMs = flag('warmup-minutes', 5) * 60_000;
const snapshotDir = stringFlag('heap-snapshots');
if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ag-soak-'));
const sandboxDir = join(dir, 'sandbox');

interface State {
  githubUrl: string;
  children: Record<string, number | undefined>;
  jobs: { state: string; conclusion: string | null; timesAcquired: number; completions: number }[];
}
const state = (): State | undefined => {
  try {
    return JSON.parse(readFileSync(join(sandboxDir, 'state.json'), 'utf8')) as State;
  } catch {
    return undefined;
  }
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls the fake GitHub's control API (HTTPS with the sandbox's own CA); resolves to the JSON answer. */
function control(githubUrl: string, ca: string, method: 'GET' | 'POST', path: string, payload?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const req = request(`${githubUrl}/_control${path}`, { method, ca, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text || 'null') as unknown) : reject(new Error(`${method} ${path}: HTTP ${String(res.statusCode)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const enqueue = (githubUrl: string, ca: string, labels: string[]): Promise<unknown> =>
  control(githubUrl, ca, 'POST', '/jobs', { org: 'acme-1', repo: 'acme-1/app', labels, durationMs: 1_000 });

const tsx = createRequire(join(root, 'package.json')).resolve('tsx');
const sandbox = spawn(process.execPath, ['--import', tsx, '--conditions=source', join(root, 'packages/testkit/src/sandbox.ts'), '--source', '--jobs', '2', '--keep', '--plain', '--dir', sandboxDir], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
let stopping = false;
const stop = async (code: number): Promise<never> => {
  stopping = true;
  sandbox.kill('SIGTERM');
  await Promise.race([new Promise((r) => sandbox.once('exit', r)), sleep(20_000)]);
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
};
process.on('SIGINT', () => void stop(130));
sandbox.once('exit', (code) => {
  if (!stopping) {
    console.error(`soak: the sandbox exited early (code ${String(code)}); logs were in ${sandboxDir}/logs`);
    process.exit(1);
  }
});

const startDeadline = Date.now() + 300_000;
while (!(state()?.jobs.length === 2 && state()!.jobs.every((j) => j.state === 'completed'))) {
  if (Date.now() > startDeadline) {
    console.error('soak: the sandbox did not run its first jobs within 5 minutes');
    await stop(1);
  }
  await sleep(1_000);
}
const first = state()!;
const ca = readFileSync(join(sandboxDir, 'ca', 'github-ca.crt'), 'utf8');
const hosts = Object.keys(first.children).filter((n) => first.children[n] !== undefined);
console.log(`soak: ${minutes} min, ${jobsPerMinute} jobs/min (Classic and ScaleSet groups; none queued while ${maxBacklog} wait), sampling ${hosts.join(', ')} every ${sampleMs / 1000}s`);

const began = Date.now();
interface HostSeries {
  rss: SoakSample[];
  rssAfterGc: SoakSample[];
  /** V8 heap in use after the GC: what JavaScript retains. */
  heapAfterGc: SoakSample[];
  /** Memory outside the V8 heap that V8 knows of (Buffers, TLS), after the GC. */
  externalAfterGc: SoakSample[];
  fds: SoakSample[];
  pids: Set<number>;
}
const samples = new Map<string, HostSeries>(hosts.map((h) => [h, { rss: [], rssAfterGc: [], heapAfterGc: [], externalAfterGc: [], fds: [], pids: new Set() }]));
/** Jobs queued at the fake and not yet completed, sampled with the hosts. */
const backlog: SoakSample[] = [];
async function sampleBacklog(): Promise<void> {
  try {
    const all = (await control(first.githubUrl, ca, 'GET', '/jobs')) as { state: string }[];
    backlog.push({ atMs: Date.now() - began, value: all.filter((j) => j.state !== 'completed').length });
  } catch {
    // the next sample will tell
  }
}

const backlogTimer = setInterval(() => void sampleBacklog(), 10_000);
let queued = 0;
let skipped = 0;
let enqueueErrors = 0;
const loadTimer = setInterval(() => {
  if ((backlog.at(-1)?.value ?? 0) >= maxBacklog) {
    skipped++;
    return;
  }
  const labels = queued % 2 === 0 ? ['self-hosted', 'linux', 'sandbox'] : ['scaleset-1'];
  queued++;
  enqueue(first.githubUrl, ca, labels).catch(() => enqueueErrors++);
}, 60_000 / jobsPerMinute);

/** Samples every host: RSS and fds as they are, then RSS again right after a full GC asked through its inspector. */
async function sampleAll(): Promise<void> {
  const now = state();
  for (const h of hosts) {
    const pid = now?.children[h];
    const s = pid === undefined ? undefined : await sampleProcess(pid);
    if (!s || pid === undefined) continue;
    const entry = samples.get(h)!;
    const atMs = Date.now() - began;
    entry.pids.add(pid);
    entry.rss.push({ atMs, value: s.rssBytes });
    entry.fds.push({ atMs, value: s.fds });
    const memory = await collectGarbage(pid);
    const after = memory ? await sampleProcess(pid) : undefined;
    if (!memory || !after) continue;
    entry.rssAfterGc.push({ atMs, value: after.rssBytes });
    entry.heapAfterGc.push({ atMs, value: memory.heapUsed });
    entry.externalAfterGc.push({ atMs, value: memory.external });
  }
}

async function snapshotAll(tag: string): Promise<void> {
  if (!snapshotDir) return;
  const now = state();
  for (const h of hosts) {
    const pid = now?.children[h];
    const file = join(snapshotDir, `${h}-${tag}.heapsnapshot`);
    if (pid !== undefined && (await writeHeapSnapshot(pid, file))) console.log(`soak: heap snapshot of ${h} (PID ${pid}) in ${file}`);
  }
}

const mib = (bytes: number | undefined): string => ((bytes ?? 0) / 2 ** 20).toFixed(1);
await sampleAll();
await sampleBacklog();
let snappedEarly = false;
while (Date.now() - began < minutes * 60_000) {
  await sleep(Math.min(sampleMs, began + minutes * 60_000 - Date.now()));
  if (!snappedEarly && Date.now() - began >= warmupMs) {
    snappedEarly = true;
    await snapshotAll('early');
  }
  await sampleAll();
  const mins = ((Date.now() - began) / 60_000).toFixed(1);
  console.log(`soak: ${mins} min ${hosts.map((h) => { const e = samples.get(h)!; return `${h} rss=${mib(e.rss.at(-1)?.value)}MiB gc=${mib(e.rssAfterGc.at(-1)?.value)}MiB heap=${mib(e.heapAfterGc.at(-1)?.value)}MiB fds=${e.fds.at(-1)?.value ?? 0}`; }).join(' ')} backlog=${backlog.at(-1)?.value ?? '?'}`);
}
await snapshotAll('late');
clearInterval(loadTimer);
clearInterval(backlogTimer);
await sleep(5_000);
// Every job at the fake (the sandbox's own first two and the ones queued here).
const jobs = (await control(first.githubUrl, ca, 'GET', '/jobs')) as { state: string; timesAcquired: number }[];
const completions = new Map<string, number>();
for (const r of (await control(first.githubUrl, ca, 'GET', '/requests')) as { path: string; status: number }[]) {
  if (r.path.endsWith('/completejob') && (r.status === 200 || r.status === 204)) completions.set(r.path, (completions.get(r.path) ?? 0) + 1);
}
// The figure: the Theil–Sen slope of RSS sampled right after a full GC, over the samples after the warm-up.
// A forced GC removes the sawtooth (garbage not yet collected), the warm-up removes start-up allocation and lazy
// loading, Theil–Sen keeps one odd sample from setting the slope. When a host's inspector could not be reached
// for most samples, the floor of its raw RSS per window of five samples stands in for the after-GC series.
type Method = 'after-gc' | 'window-minima';
const report: Record<string, { method: Method; growth: Growth; rawLeastSquares: Growth; heap: Growth; external: Growth; fds: Growth; restarts: number }> = {};
for (const h of hosts) {
  const e = samples.get(h)!;
  const method: Method = e.rssAfterGc.length * 2 >= e.rss.length ? 'after-gc' : 'window-minima';
  const series = method === 'after-gc' ? e.rssAfterGc : windowMinima(e.rss, 5 * sampleMs);
  report[h] = {
    method,
    growth: robustGrowthPerHour(series, warmupMs),
    rawLeastSquares: growthPerHour(e.rss, warmupMs),
    heap: robustGrowthPerHour(e.heapAfterGc, warmupMs),
    external: robustGrowthPerHour(e.externalAfterGc, warmupMs),
    fds: robustGrowthPerHour(e.fds, warmupMs),
    restarts: e.pids.size - 1,
  };
}
const concluded = jobs.filter((j) => j.state === 'completed').length;
// The request log keeps the last 10,000 requests: completions are counted over what it still holds.
const duplicated = jobs.filter((j) => j.timesAcquired > 1).length + [...completions.values()].filter((n) => n > 1).length;
console.log(
  `soak: method — RSS read from /proc right after a full GC asked through the host's inspector (SIGUSR1, HeapProfiler.collectGarbage), ` +
    `first ${warmupMs / 60_000} min left out as warm-up, growth = Theil–Sen slope (median of pairwise slopes) as a share of the fitted RSS at warm-up end`,
);
for (const [h, r] of Object.entries(report)) {
  console.log(
    `soak ${h}: ${r.method === 'after-gc' ? 'after-GC' : 'raw window-minima'} rss ${mib(r.growth.first)} → ${mib(r.growth.last)} MiB, growth ${(r.growth.perHour / 2 ** 20).toFixed(2)} MiB/h = ${r.growth.percentPerHour.toFixed(2)} %/h ` +
      `(raw rss least-squares ${r.rawLeastSquares.percentPerHour.toFixed(2)} %/h); ` +
      `V8 heap after GC ${mib(r.heap.first)} → ${mib(r.heap.last)} MiB, ${(r.heap.perHour / 2 ** 20).toFixed(2)} MiB/h; external ${(r.external.perHour / 2 ** 20).toFixed(2)} MiB/h; fds ${r.fds.first} → ${r.fds.last}, ${r.fds.perHour.toFixed(1)}/h; restarts ${r.restarts}`,
  );
}
const backlogAtWarmup = backlog.find((b) => b.atMs >= warmupMs)?.value ?? 0;
const backlogAtEnd = backlog.at(-1)?.value ?? 0;
console.log(`soak: ${minutes} min, jobs ${jobs.length} (enqueue errors ${enqueueErrors}), concluded ${concluded}, duplicated ${duplicated}; backlog ${backlogAtWarmup} after warm-up → ${backlogAtEnd} at the end; goal < ${GOAL_PERCENT_PER_HOUR} %/h RSS per host`);
if (skipped > 0) console.log(`soak: ${skipped} of ${queued + skipped} offered jobs skipped while ${maxBacklog} waited: this box ran ${((queued / (Date.now() - began)) * 60_000).toFixed(1)} jobs/min`);
writeBenchResult('soak', {
  minutes, jobsPerMinute, maxBacklog, jobsSkipped: skipped, sampleSeconds: sampleMs / 1000, warmupSeconds: warmupMs / 1000, method: 'theil-sen over RSS after a forced GC (inspector), warm-up excluded',
  jobsQueued: jobs.length, jobsConcluded: concluded, duplicated, enqueueErrors, backlog, goalPercentPerHour: GOAL_PERCENT_PER_HOUR, hosts: report,
  samples: Object.fromEntries([...samples].map(([h, e]) => [h, { rss: e.rss, rssAfterGc: e.rssAfterGc, heapAfterGc: e.heapAfterGc, externalAfterGc: e.externalAfterGc, fds: e.fds }])),
});
const flat = Object.values(report).every((r) => r.growth.percentPerHour < GOAL_PERCENT_PER_HOUR);
await stop(flat && duplicated === 0 ? 0 : 1);
