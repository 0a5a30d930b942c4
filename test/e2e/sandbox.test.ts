// The sandbox end to end, with real processes: ag-sandbox (from source, so a fresh clone needs no build) runs
// the gmc, agc and egress-proxy hosts and worker pods through the real worker wrapper and the stand-in runner.
// Asserted: every job concluded once and succeeded, kubectl against .sandbox/kubeconfig, a real Prometheus
// scraping every /metrics with the shipped recording rules, and an agc SIGKILLed mid-run and restarted.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../../packages/testkit/src/sandbox/ports.js';
import { alive, until } from '../support/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const JOBS = 8;

interface State {
  endpoints: { name: string; url: string }[];
  children: Record<string, number | undefined>;
  kubeconfig: string;
  jobs: { requestId: number; state: string; conclusion: string | null; timesAcquired: number; completions: number }[];
  allConcluded: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'ag-sandbox-e2e-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  // A failed run: SIGTERM lets the sandbox stop its children by PID; the group SIGKILL after 15 s is the backstop.
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) continue;
    c.kill('SIGTERM');
    const gone = await Promise.race([new Promise((r) => c.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 15_000))]);
    if (!gone) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        c.kill('SIGKILL');
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}, 40_000);

function state(): State | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'sandbox', 'state.json'), 'utf8')) as State;
  } catch {
    return undefined;
  }
}



async function startPrometheus(targets: string[]): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const rules = parse(readFileSync(join(root, 'deploy', 'monitoring', 'recording-rules.yaml'), 'utf8')) as { groups: { interval?: string }[] };
  for (const g of rules.groups) g.interval = '1s'; // the shipped 30 s, shortened so a short run sees evaluations
  writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
  writeFileSync(join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [join(dir, 'rules.yaml')],
    scrape_configs: [{ job_name: 'sandbox', honor_labels: true, static_configs: [{ targets }] }],
  }));
  const p = spawn('/usr/bin/prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  children.push(p);
  const url = `http://127.0.0.1:${port}`;
  await until('Prometheus ready', 60_000, async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok);
  return { url, process: p };
}

async function query(url: string, promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data.result;
}

describe('ag-sandbox end to end', () => {
  it('runs every job to success through the real hosts, survives an agc SIGKILL, and feeds Prometheus', async () => {
    expect(existsSync('/usr/bin/prometheus'), 'Debian prometheus at /usr/bin/prometheus').toBe(true);
    const tsx = createRequire(join(root, 'package.json')).resolve('tsx');
    const sandbox = spawn(process.execPath, [
      '--import', tsx, '--conditions=source', join(root, 'packages/testkit/src/sandbox.ts'),
      '--source', '--jobs', String(JOBS), '--job-duration', '20000', '--exit-when-done', '--plain', '--timeout', '150', '--queue-after', '5', '--dir', join(dir, 'sandbox'),
    ], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.push(sandbox);
    let out = '';
    sandbox.stdout.on('data', (b: Buffer) => (out += b.toString()));
    sandbox.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => sandbox.once('exit', (code) => resolve(code)));

    // Prometheus attaches while the sandbox waits before queueing (--queue-after), so it sees every acquisition.
    const started = await until('the sandbox to start its processes', 120_000, () => {
      const s = state();
      return s?.endpoints.some((e) => e.name === 'agc-1') ? s : undefined;
    });
    expect(started.endpoints.map((e) => e.name).sort()).toEqual(['agc-1', 'egress-proxy-1', 'gmc']);
    const prometheus = await startPrometheus(started.endpoints.map((e) => new URL(e.url).host));
    await until('the sandbox to queue its jobs', 60_000, () => state()?.jobs.length === JOBS);

    // Every job acquired once, as the agc's own counter tells Prometheus.
    await until('every job acquired', 60_000, () => state()?.jobs.every((j) => j.timesAcquired >= 1));
    await until(`sum(actions_gateway_jobs_acquired_total) = ${JOBS} in Prometheus`, 20_000, async () => {
      const r = await query(prometheus.url, 'sum(actions_gateway_jobs_acquired_total)');
      return r[0]?.value[1] === String(JOBS);
    });
    const rate = await until('the acquisition success-rate recording rule', 20_000, async () => {
      const r = await query(prometheus.url, 'actions_gateway:job_acquisition_success_rate:rate5m');
      // The first evaluations see fewer than two samples (0/0 = NaN); wait for a value.
      return r.length > 0 && Number.isFinite(Number(r[0]!.value[1])) ? r : undefined;
    });
    // Every job was acquired; refused claims (a job another session won) count as errors, so the ratio is (0, 1].
    expect(rate).toHaveLength(1);
    expect(rate[0]!.metric.namespace).toBe('tenant-1');
    const ratio = Number(rate[0]!.value[1]);
    expect(ratio, JSON.stringify(rate)).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    for (const r of rules.data.groups.flatMap((g) => g.rules)) expect(r.health, r.name).toBe('ok');

    // SIGKILL the agc mid-run: the sandbox restarts it, and no job is lost or concluded twice.
    const first = state()!.children['agc-1']!;
    expect(state()!.allConcluded).toBe(false);
    process.kill(first, 'SIGKILL');


    // kubectl against the sandbox's kubeconfig.
    const kubectl = promisify(execFile);
    const { stdout } = await kubectl('/usr/bin/kubectl', ['--kubeconfig', started.kubeconfig, 'get', 'ag,rg,pods', '-A'], { encoding: 'utf8' });
    expect(stdout).toMatch(/actionsgateway\.actions-gateway\.github\.com\/gw\s+1\s+True/);
    expect(stdout).toMatch(/runnergroup\.actions-gateway\.github\.com\/gw-classic\s+Classic\s+5\s+\d+\s+True/);
    expect(stdout).toMatch(/runnergroup\.actions-gateway\.github\.com\/gw-scaleset-1\s+ScaleSet\s+\d+\s+\d+\s+True/);
    expect(stdout).toMatch(/pod\/runner-gw-classic-\S+\s+\d\/1\s+(Running|Completed)/);

    await until('a restarted agc', 30_000, () => {
      const pid = state()?.children['agc-1'];
      return pid !== undefined && pid !== first;
    });
    expect(await exited, out).toBe(0);
    const final = state()!;
    expect(final.jobs).toHaveLength(JOBS);
    for (const j of final.jobs) expect(j, JSON.stringify(j)).toMatchObject({ state: 'completed', conclusion: 'succeeded', timesAcquired: 1, completions: 1 });
    expect(out).toContain(`conclusions: succeeded ${JOBS}`);
    expect(out).toMatch(/queue→pod latency: p50 \d+\.\d+s, p95 \d+\.\d+s \(\d+ pods\)/);
    expect(out).toContain('restarting');
    // The phase timeline: where the run's time went, each phase once, in time order.
    const timeline = out.slice(out.indexOf('timeline ('));
    const phases = ['fake GitHub up', 'Kubernetes API up', 'CRDs applied', 'gmc spawned', 'gmc process up', 'AGC Deployment created (gmc)', 'agc spawned', 'agc process up', 'jobs queued', 'first job acquired', 'first worker pod running (kubelet)', 'first job completed', 'last job completed'];
    for (const p of phases) expect(timeline, p).toMatch(new RegExp(`\\d+\\.\\d\\ds  ${p.replace(/[()]/g, '\\$&')} +\\+\\d+\\.\\d\\ds`));
    const at = (p: string): number => Number(new RegExp(`(\\d+\\.\\d\\d)s  ${p.replace(/[()]/g, '\\$&')} `).exec(timeline)![1]);
    expect(at('gmc spawned')).toBeLessThanOrEqual(at('gmc process up'));
    expect(at('jobs queued')).toBeLessThanOrEqual(at('first job acquired'));
    expect(at('first job completed')).toBeLessThanOrEqual(at('last job completed'));
    // Every child was stopped by its PID.
    for (const [name, pid] of Object.entries(final.children)) if (pid !== undefined) expect(alive(pid), name).toBe(false);
    prometheus.process.kill('SIGTERM');
  }, 240_000);
});
