// One sandbox run: the fakes in this process, the real hosts as children, jobs queued and followed to the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Obj } from '../apiserver/json.js';
import type { ApiServer } from '../apiserver/server.js';
import type { FakeGitHub } from '../github/server.js';
import { startFakeGitHub } from '../github/server.js';
import { createTestCertificates } from '../tls.js';
import { localAgcEnv, deploymentEnv, loopbackProxyUrl, withoutLoopback } from './agc-env.js';
import { missingBuilds, programArgv, SANDBOX_PID_ENV, useBundle, workspaceRoot, writeLauncher, type HostProgram } from './bins.js';
import { bundleBuilt, bundleSources } from './bundle.js';
import { Supervisor } from './children.js';
import { applyAll, crdDocuments, isWorkerPod, startCluster } from './cluster.js';
import { JobBook } from './jobs.js';
import { takeLock } from './lock.js';
import type { SandboxOptions } from './options.js';
import { checkPortFree, freePort } from './ports.js';
import { snapshotOf } from './snapshot.js';
import { launchedAt, Timeline } from './timeline.js';
import { secondGroupLabels, tenantObjects, tenantPlan, writeAppFiles, type TenantPlan } from './tenant.js';
import type { Snapshot } from './view.js';

/** A metrics endpoint of one process. */
export interface Endpoint {
  readonly name: string;
  readonly url: string;
}

/** What the state file (`<dir>/state.json`) holds, for tools and tests. */
export interface SandboxState {
  readonly pid: number;
  readonly kubeconfig: string;
  readonly githubUrl: string;
  readonly apiUrl: string;
  readonly endpoints: readonly Endpoint[];
  readonly children: Readonly<Record<string, number | undefined>>;
  readonly tenants: readonly string[];
  readonly secondProtocol: 'ScaleSet' | 'Classic';
  /** Every job as the fake GitHub sees it: completions counts accepted completejob calls. */
  readonly jobs: readonly { requestId: number; tenant: string; group: string; state: string; conclusion: string | null; timesAcquired: number; completions: number }[];
  readonly allConcluded: boolean;
}

const PROGRAMS: readonly HostProgram[] = ['gmc', 'agc', 'egress-proxy', 'worker-wrapper', 'stand-in-runner', 'parent-watch'];

async function waitFor<T>(what: string, ms: number, probe: () => T | undefined, signal?: AbortSignal): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (signal?.aborted) throw new Error(`stopped while waiting for ${what}`);
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A running sandbox. */
export class Sandbox {
  readonly supervisor: Supervisor;
  readonly events: string[] = [];
  readonly endpoints: Endpoint[] = [];
  readonly startedAt = Date.now();
  /** When each phase was first reached, counted from `pnpm start` (see timeline.ts). */
  readonly timeline = new Timeline(launchedAt());
  jobs!: JobBook;
  api!: ApiServer;
  github!: FakeGitHub;
  tenants: TenantPlan[] = [];
  private releaseLock: () => void = () => undefined;
  private unsubscribe: () => void = () => undefined;
  private readonly proxyAddresses = new Map<string, string>();
  private readonly root: string;
  private closed = false;
  private lastPodAt: number | undefined;
  private readonly secondProtocol: 'ScaleSet' | 'Classic';

  constructor(readonly options: SandboxOptions) {
    this.secondProtocol = options.secondProtocol;
    this.root = options.root ?? workspaceRoot();
    this.supervisor = new Supervisor(join(options.dir, 'logs'), (m) => this.event(m));
    this.timeline.mark('sandbox loaded', this.startedAt);
  }

  event(msg: string): void {
    this.events.push(`${new Date().toISOString().slice(11, 19)} ${msg}`);
  }

  private file(rel: string, content: string): string {
    const path = join(this.options.dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }

  /** Checks what can fail before anything starts: the lock, the builds, the ports. Throws one-line errors. */
  async preflight(): Promise<void> {
    const o = this.options;
    if (o.mode === 'dist') {
      const missing = missingBuilds(this.root, PROGRAMS);
      if (missing.length) throw new Error(`missing build: ${missing.join(', ')} — run \`pnpm build\` (\`pnpm start\` builds first) or pass --source`);
    }
    this.releaseLock = takeLock(o.dir);
    try {
      await checkPortFree(o.apiPort, '--api-port');
      await checkPortFree(o.githubPort, '--github-port');
    } catch (e) {
      this.releaseLock();
      throw e;
    }
  }

  /** Starts everything and queues the jobs. */
  async start(signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const dir = o.dir;
    // One file per program (see bundle.ts), made while the fakes start; without esbuild, or with --no-bundle, the
    // programs run as built (or from source through tsx).
    const bundling = o.mode === 'source' ? bundleSources(this.root, PROGRAMS) : o.bundle ? bundleBuilt(this.root, PROGRAMS) : Promise.resolve(undefined);
    // Every JIT runner needs a fresh RSA key: make about as many as the run needs while the hosts start.
    const keys = Math.min(64, o.jobs + 20 * o.tenants);
    const [github, proxyTls, bundled] = await Promise.all([
      startFakeGitHub({ https: true, port: o.githubPort, holdMs: 5_000, runnerKeys: { ahead: keys } }).then((g) => {
        this.timeline.mark('fake GitHub up');
        return g;
      }),
      createTestCertificates(['127.0.0.1']),
      bundling.then((b) => {
        if (b) this.timeline.mark(o.mode === 'source' ? 'hosts bundled from source' : 'hosts bundled (or bundles reused)');
        return b;
      }, (e: unknown) => {
        this.event(`could not bundle the programs (${(e as Error).message.split('\n')[0] ?? ''}); running them unbundled`);
        return undefined;
      }),
    ]);
    for (const [program, file] of bundled ?? []) useBundle(program, this.root, file);
    if (o.mode === 'source' && !bundled) this.event('running the hosts from source through tsx');
    this.github = github;
    this.event(`fake GitHub on ${this.github.url}`);
    const githubCa = this.file('ca/github-ca.crt', this.github.caPem!);
    const proxyCa = this.file('ca/proxy-ca.crt', proxyTls.caPem);
    const proxyCert = this.file('ca/proxy-tls.crt', proxyTls.certPem);
    const proxyKey = this.file('ca/proxy-tls.key', proxyTls.keyPem);
    // What a worker pod trusts through PROXY_CA_CERT_PATH: the proxy's CA and, tunnelled, the fake GitHub's.
    const workerCa = this.file('ca/worker-ca.crt', `${proxyTls.caPem.trim()}\n${this.github.caPem!.trim()}\n`);
    const launcher = writeLauncher(join(dir, 'bin', 'Runner.Worker'), 'stand-in-runner', o.mode, this.root);

    this.api = await startCluster(o.apiPort, {
      podRoot: join(dir, 'pods'),
      wrapperArgv: programArgv('worker-wrapper', o.mode, this.root),
      envFor: (namespace, podDir) => {
        const address = this.proxyAddresses.get(namespace);
        return {
          ...(address && { HTTPS_PROXY: loopbackProxyUrl(address), HTTP_PROXY: loopbackProxyUrl(address) }),
          NO_PROXY: withoutLoopback('svc.cluster.local,localhost,127.0.0.1'),
          [SANDBOX_PID_ENV]: String(process.pid),
          PROXY_CA_CERT_PATH: workerCa,
          RUNNER_HOME_DIR: join(podDir, 'home', 'runner'),
          RUNNER_WORKER_PATH: launcher,
          WORKER_GRACE_SECONDS: '10',
        };
      },
    });
    const kubeconfig = join(dir, 'kubeconfig');
    this.api.writeKubeconfig(kubeconfig);
    this.timeline.mark('Kubernetes API up');
    this.event(`Kubernetes API on ${this.api.url}; kubeconfig ${kubeconfig}`);
    this.jobs = new JobBook(this.github);
    this.unsubscribe = this.api.store.onChange((type, obj) => {
      this.markCluster(type, obj);
      if (type !== 'ADDED' || obj.kind !== 'Pod' || !isWorkerPod(obj)) return;
      const annotations = (obj.metadata as { annotations?: Record<string, string> }).annotations ?? {};
      const id = annotations['actions-gateway/plan-id'];
      if (id) this.jobs.podSeen(id);
    });
    await applyAll(this.api, crdDocuments(this.root));
    this.timeline.mark('CRDs applied');
    this.event('CRDs applied');

    const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', [SANDBOX_PID_ENV]: String(process.pid) };
    const gmcPorts = { metrics: await freePort(), health: await freePort() };
    await this.supervisor.start({
      name: 'gmc',
      // Like its Deployment: a gmc that dies comes back (the chaos suite SIGKILLs it).
      restart: true,
      argv: [...programArgv('gmc', o.mode, this.root), '--kubeconfig', kubeconfig, '--metrics-bind-address', `127.0.0.1:${gmcPorts.metrics}`,
        '--health-probe-bind-address', `127.0.0.1:${gmcPorts.health}`, '--webhook-bind-address', '0', '--github-api-url', `${this.github.url}/api/v3`, '--allow-floating-image-tags'],
      onLine: (line) => {
        if (line.includes('"msg":"gmc started"')) this.timeline.mark('gmc process up');
      },
      env: { ...base, AGC_IMAGE: 'ghcr.io/actions-gateway/agc:sandbox', PROXY_IMAGE: 'ghcr.io/actions-gateway/proxy:sandbox', POD_NAMESPACE: 'actions-gateway-system', NODE_EXTRA_CA_CERTS: githubCa },
    });
    this.timeline.mark('gmc spawned');
    this.event(`gmc started (PID ${String(this.supervisor.pid('gmc'))})`);
    this.endpoints.push({ name: 'gmc', url: `http://127.0.0.1:${gmcPorts.metrics}/metrics` });

    for (let i = 1; i <= o.tenants; i++) {
      const t = tenantPlan(i, this.secondProtocol);
      this.tenants.push(t);
      const app = this.github.control.createApp({ org: t.org });
      this.github.control.addRepo(`${t.org}/app`);
      const appDir = writeAppFiles(join(dir, 'tenants', t.namespace, 'github-app'), app);
      await applyAll(this.api, tenantObjects(t, this.github.url, app));
      this.timeline.mark('ActionsGateway applied');
      await this.startProxy(t, base, { cert: proxyCert, key: proxyKey });
      await this.startAgc(t, base, { appDir, proxyCa, githubCa, kubeconfig }, signal);
    }
    this.writeState();
    if (o.queueAfterSeconds > 0) {
      this.event(`queueing jobs in ${o.queueAfterSeconds}s (--queue-after)`);
      await new Promise((r) => setTimeout(r, o.queueAfterSeconds * 1000));
    }
    await this.queueJobs(signal);
    this.writeState();
  }

  private async startProxy(t: TenantPlan, base: Record<string, string>, tls: { cert: string; key: string }): Promise<void> {
    const health = await freePort();
    let ready: (address: string) => void = () => undefined;
    const address = new Promise<string>((resolve) => (ready = resolve));
    const githubPort = new URL(this.github.url).port;
    await this.supervisor.start({
      name: `egress-proxy-${t.index}`,
      argv: [...programArgv('egress-proxy', this.options.mode, this.root), '--host', '127.0.0.1', '--port', '0', '--health-host', '127.0.0.1', '--health-port', String(health),
        '--allow-cidrs', '127.0.0.1/32', '--allow-ports', githubPort, '--tls-cert', tls.cert, '--tls-key', tls.key],
      env: base,
      onLine: (line) => {
        const m = /^ready (\S+)/.exec(line);
        if (m) ready(m[1]!);
      },
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`egress-proxy-${t.index} printed no "ready" line within 30s (see ${join(this.options.dir, 'logs')})`)), 30_000).unref());
    const addr = await Promise.race([address, timeout]);
    this.proxyAddresses.set(t.namespace, addr);
    this.timeline.mark('egress-proxy ready');
    this.event(`egress-proxy-${t.index} ready on ${addr}`);
    this.endpoints.push({ name: `egress-proxy-${t.index}`, url: `http://127.0.0.1:${health}/metrics` });
  }

  private async startAgc(t: TenantPlan, base: Record<string, string>, files: { appDir: string; proxyCa: string; githubCa: string; kubeconfig: string }, signal?: AbortSignal): Promise<void> {
    const deployment = await waitFor(`the gmc to create the AGC Deployment in ${t.namespace}`, 60_000,
      () => this.api.store.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: t.namespace, name: 'actions-gateway-controller' }), signal);
    const env = localAgcEnv(deploymentEnv(deployment, t.namespace), this.proxyAddresses.get(t.namespace)!, files.githubCa, base);
    const ports = { metrics: await freePort(), health: await freePort() };
    await this.supervisor.start({
      name: `agc-${t.index}`,
      restart: true,
      argv: [...programArgv('agc', this.options.mode, this.root), '--kubeconfig', files.kubeconfig, '--github-app-dir', files.appDir, '--proxy-ca-file', files.proxyCa,
        '--metrics-bind-address', `127.0.0.1:${ports.metrics}`, '--health-probe-bind-address', `127.0.0.1:${ports.health}`],
      env,
      onLine: (line) => {
        if (line.includes('"msg":"agc started"')) this.timeline.mark('agc process up');
      },
    });
    this.timeline.mark('agc spawned');
    this.event(`agc-${t.index} started (PID ${String(this.supervisor.pid(`agc-${t.index}`))})`);
    this.endpoints.push({ name: `agc-${t.index}`, url: `http://127.0.0.1:${ports.metrics}/metrics` });
  }

  /** Queues the jobs round-robin over tenants and their two groups (scale-set jobs once the scale set exists). */
  private async queueJobs(signal?: AbortSignal): Promise<void> {
    const o = this.options;
    if (this.secondProtocol === 'ScaleSet') {
      for (const t of this.tenants) {
        await waitFor(`the agc of ${t.namespace} to create its scale set "${t.scaleSetName}"`, 60_000,
          () => (this.github.control.scaleSets().some((s) => s.name === t.scaleSetName) ? true : undefined), signal);
      }
    }
    for (let i = 0; i < o.jobs; i++) {
      const t = this.tenants[i % this.tenants.length]!;
      const second = Math.floor(i / this.tenants.length) % 2 === 1;
      const labels = second ? secondGroupLabels(t) : [...t.classicLabels];
      this.jobs.enqueue(t.namespace, second ? 'second' : 'classic', { org: t.org, labels, durationMs: o.jobDurationMs, conclusion: o.conclusion });
    }
    this.timeline.mark('jobs queued');
    this.event(`queued ${o.jobs} jobs`);
  }

  /** Marks the cluster-side phases as the store sees them: the gmc's first objects, the first worker pods. */
  private markCluster(type: string, obj: Obj): void {
    if (obj.kind === 'Deployment' && type === 'ADDED') {
      const name = (obj.metadata as { name?: string } | undefined)?.name;
      this.timeline.mark(name === 'actions-gateway-controller' ? 'AGC Deployment created (gmc)' : 'proxy Deployment created (gmc)');
      return;
    }
    if (obj.kind !== 'Pod' || !isWorkerPod(obj)) return;
    if (type === 'ADDED') {
      this.timeline.mark('first worker pod created');
      this.lastPodAt = Date.now();
    }
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Running') this.timeline.mark('first worker pod running (kubelet)');
    if (phase === 'Succeeded') this.timeline.mark('first worker pod succeeded');
  }

  /** Marks what the fake GitHub recorded (sessions, acquisitions, completions) and the last pod; for the summary. */
  markGitHubPhases(): void {
    let lastCompleted: number | undefined;
    for (const r of this.github.control.requests()) {
      if (r.status >= 300) continue;
      if (r.path.endsWith('/completejob')) lastCompleted = Math.max(lastCompleted ?? 0, r.at);
      if (r.method === 'POST' && r.path === '/_broker/session') this.timeline.mark('first classic session open', r.at);
      else if (r.method === 'POST' && /\/runnerscalesets\/\d+\/sessions$/.test(r.path)) this.timeline.mark('scale-set session open', r.at);
      else if (r.path.endsWith('/acquirejob')) this.timeline.mark('first job acquired', r.at);
      else if (r.path.endsWith('/completejob')) this.timeline.mark('first job completed', r.at);
    }
    if (this.lastPodAt !== undefined) this.timeline.mark('last worker pod created', this.lastPodAt);
    if (lastCompleted !== undefined && this.jobs.allConcluded()) this.timeline.mark('last job completed', lastCompleted);
  }

  /** Writes `<dir>/state.json` (children's current PIDs, endpoints). */
  writeState(): void {
    const state: SandboxState = {
      pid: process.pid,
      kubeconfig: join(this.options.dir, 'kubeconfig'),
      githubUrl: this.github.url,
      apiUrl: this.api.url,
      endpoints: this.endpoints,
      children: Object.fromEntries(this.supervisor.views().map((c) => [c.name, c.running ? c.pid : undefined])),
      tenants: this.tenants.map((t) => t.namespace),
      secondProtocol: this.secondProtocol,
      jobs: this.jobStates(),
      allConcluded: this.jobs.allConcluded(),
    };
    this.file('state.json', `${JSON.stringify(state, null, 2)}\n`);
  }

  private jobStates(): SandboxState['jobs'] {
    const completions = new Map<string, number>();
    for (const r of this.github.control.requests()) {
      if (r.path.endsWith('/completejob') && (r.status === 200 || r.status === 204)) completions.set(r.path, (completions.get(r.path) ?? 0) + 1);
    }
    return this.jobs.views().map(({ job, view }) => ({
      requestId: job.requestId, tenant: job.tenant, group: job.group, state: view?.state ?? 'unknown', conclusion: view?.conclusion ?? null,
      timesAcquired: view?.timesAcquired ?? 0, completions: completions.get(`/_jobs/${job.requestId}/completejob`) ?? 0,
    }));
  }

  snapshot(): Snapshot {
    return snapshotOf(this);
  }

  /** Stops every child by PID, then the worker processes, the API server and the fake. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    await this.supervisor.stopAll();
    await this.api?.close();
    await this.github?.close();
    this.releaseLock();
  }
}

/** The pods of the tenants, by phase. */
export function podPhases(api: ApiServer, namespaces: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const ns of namespaces) {
    for (const p of api.store.list('v1', 'Pod', ns)) {
      if (!isWorkerPod(p)) continue;
      const phase = (p.status as { phase?: string } | undefined)?.phase ?? 'Pending';
      out[phase] = (out[phase] ?? 0) + 1;
    }
  }
  return out;
}
