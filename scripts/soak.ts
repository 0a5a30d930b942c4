// `pnpm test:soak [--minutes N] [--jobs-per-minute J] [--sample-seconds S]`: runs the sandbox (real gmc, agc and
// egress-proxy processes) under steady load, samples RSS (/proc/<pid>/status VmRSS) and open fds
// (/proc/<pid>/fd) of every host process each interval, prints each host's growth per hour, and writes
// bench-results/soak.json. Goal: flat (< 5 %/h RSS). Samples in the warm-up (--warmup-minutes, default 2) are
// not counted. Short runs overstate growth: the slope of a GC sawtooth over minutes is mostly noise.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from './bench-support.js';
import { growthPerHour, sampleProcess, type Growth, type SoakSample } from './soak-growth.js';
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
const sampleMs = flag('sample-seconds', 60) * 1000;
const warmupMs = flag('warmup-minutes', 2) * 60_000;
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
console.log(`soak: ${minutes} min, ${jobsPerMinute} jobs/min (Classic and ScaleSet groups), sampling ${hosts.join(', ')} every ${sampleMs / 1000}s`);

const began = Date.now();
const samples = new Map<string, { rss: SoakSample[]; rssAfterGc: SoakSample[]; fds: SoakSample[]; pids: Set<number> }>(
  hosts.map((h) => [h, { rss: [], rssAfterGc: [], fds: [], pids: new Set() }]),
);
let queued = 0;
let enqueueErrors = 0;
const loadTimer = setInterval(() => {
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
    const after = (await collectGarbage(pid)) ? await sampleProcess(pid) : undefined;
    if (after) entry.rssAfterGc.push({ atMs, value: after.rssBytes });
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
let snappedEarly = false;
while (Date.now() - began < minutes * 60_000) {
  await sleep(Math.min(sampleMs, began + minutes * 60_000 - Date.now()));
  if (!snappedEarly && Date.now() - began >= warmupMs) {
    snappedEarly = true;
    await snapshotAll('early');
  }
  await sampleAll();
  const mins = ((Date.now() - began) / 60_000).toFixed(1);
  console.log(`soak: ${mins} min ${hosts.map((h) => { const e = samples.get(h)!; return `${h} rss=${mib(e.rss.at(-1)?.value)}MiB gc=${mib(e.rssAfterGc.at(-1)?.value)}MiB fds=${e.fds.at(-1)?.value ?? 0}`; }).join(' ')}`);
}
await snapshotAll('late');
clearInterval(loadTimer);
await sleep(5_000);
// Every job at the fake (the sandbox's own first two and the ones queued here).
const jobs = (await control(first.githubUrl, ca, 'GET', '/jobs')) as { state: string; timesAcquired: number }[];
const completions = new Map<string, number>();
for (const r of (await control(first.githubUrl, ca, 'GET', '/requests')) as { path: string; status: number }[]) {
  if (r.path.endsWith('/completejob') && (r.status === 200 || r.status === 204)) completions.set(r.path, (completions.get(r.path) ?? 0) + 1);
}
const report: Record<string, { rss: Growth; rssAfterGc: Growth; fds: Growth; restarts: number }> = {};
for (const h of hosts) {
  const e = samples.get(h)!;
  report[h] = { rss: growthPerHour(e.rss, warmupMs), rssAfterGc: growthPerHour(e.rssAfterGc, warmupMs), fds: growthPerHour(e.fds, warmupMs), restarts: e.pids.size - 1 };
}
const concluded = jobs.filter((j) => j.state === 'completed').length;
// The request log keeps the last 10,000 requests: completions are counted over what it still holds.
const duplicated = jobs.filter((j) => j.timesAcquired > 1).length + [...completions.values()].filter((n) => n > 1).length;
for (const [h, r] of Object.entries(report)) {
  console.log(
    `soak ${h}: rss ${(r.rss.first / 2 ** 20).toFixed(1)} → ${(r.rss.last / 2 ** 20).toFixed(1)} MiB, growth ${(r.rss.perHour / 2 ** 20).toFixed(2)} MiB/h = ${r.rss.percentPerHour.toFixed(2)} %/h; after GC ${(r.rssAfterGc.first / 2 ** 20).toFixed(1)} → ${(r.rssAfterGc.last / 2 ** 20).toFixed(1)} MiB, ${r.rssAfterGc.percentPerHour.toFixed(2)} %/h; fds ${r.fds.first} → ${r.fds.last}, growth ${r.fds.perHour.toFixed(1)}/h = ${r.fds.percentPerHour.toFixed(2)} %/h; restarts ${r.restarts}`,
  );
}
console.log(`soak: ${minutes} min, jobs ${jobs.length} (enqueue errors ${enqueueErrors}), concluded ${concluded}, duplicated ${duplicated}; goal < ${GOAL_PERCENT_PER_HOUR} %/h RSS per host`);
writeBenchResult('soak', { minutes, jobsPerMinute, sampleSeconds: sampleMs / 1000, warmupSeconds: warmupMs / 1000, jobsQueued: jobs.length, jobsConcluded: concluded, duplicated, enqueueErrors, goalPercentPerHour: GOAL_PERCENT_PER_HOUR, hosts: report, samples: Object.fromEntries([...samples].map(([h, e]) => [h, { rss: e.rss, rssAfterGc: e.rssAfterGc, fds: e.fds }])) });
const flat = Object.values(report).every((r) => r.rss.percentPerHour < GOAL_PERCENT_PER_HOUR);
await stop(flat && duplicated === 0 ? 0 : 1);
