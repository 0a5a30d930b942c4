// The scale-set tier's test bench: the testkit API server (kubelet simulator on the wall clock) with the
// CRDs and one RunnerGroup, the fake GitHub with an App on org `acme`, and a stand-in for the worker: for
// every Running worker pod it reads the JIT config from the job Secret, opens the runner's own classic
// session, acquires whichever job GitHub hands it and completes it — as the real runner would.
import { ClassicBrokerSession, GitHubApp, decodeJitConfig } from '@actions-gateway/broker-client';
import {
  API_VERSION,
  DisruptionRerunner,
  InMemoryRerunBudgetStore,
  RUNNER_GROUP_KIND,
  crdManifests,
  jobSecretName,
  resolveProvisionerGroup,
  systemClock,
  workerPodSelector,
  type Logger,
  type RunnerGroup,
} from '@actions-gateway/core';
import { createMetrics, type ControllerMetrics } from '@actions-gateway/metrics';
import { startApiServer, startFakeGitHub, type ApiServer, type FakeGitHub, type PodOutcome } from '@actions-gateway/testkit';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { InFlightJobs } from '../../../src/agc/listener/in-flight-jobs.js';
import type { ListenerContext, ListenerTierFactory, GroupListener } from '../../../src/agc/listener/group-listener.js';
import { createKubernetesPort, type ClosableKubernetesPort } from '../../../src/agc/ports/kubernetes-port.js';
import { createWorkflowRunsPort } from '../../../src/agc/ports/workflow-runs-port.js';

export const NAMESPACE = 'ci';

/** Log lines kept for assertions (secrets never reach here: the tier logs no JIT config). */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

export function captureLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void =>
      void lines.push({ level, msg, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface ScaleSetEnv {
  readonly server: ApiServer;
  readonly fake: FakeGitHub;
  readonly app: GitHubApp;
  readonly port: ClosableKubernetesPort;
  readonly core: CoreV1Api;
  readonly metrics: ControllerMetrics;
  readonly logs: LogLine[];
  readonly inFlight: InFlightJobs;
  runnerGroup: RunnerGroup;
  /** A listener context for the group (one per simulated AGC process, sharing nothing but the cluster and GitHub). */
  context(overrides?: Partial<ListenerContext>): ListenerContext;
  /** Starts a listener with `factory`; stopped at close. */
  start(factory: ListenerTierFactory, overrides?: Partial<ListenerContext>): GroupListener;
  /** The stand-in runners: complete whatever job each worker pod's runner gets. */
  readonly runners: StandInRunners;
  close(): Promise<void>;
}

export interface EnvOptions {
  readonly podOutcome?: PodOutcome;
  readonly maxWorkers?: number;
  /** A ResourceQuota on `pods` in the namespace. */
  readonly podQuota?: number;
  readonly scaleSetSessionIdleMs?: number;
  readonly groupName?: string;
}

export async function startScaleSetEnv(options: EnvOptions = {}): Promise<ScaleSetEnv> {
  const server = await startApiServer({ kubelet: { startDelayMs: 20, defaultOutcome: options.podOutcome ?? { phase: 'Running' } } });
  const core = server.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  if (options.podQuota !== undefined) {
    await core.createNamespacedResourceQuota({ namespace: NAMESPACE, body: { metadata: { name: 'workers' }, spec: { hard: { pods: String(options.podQuota) } } } });
  }
  const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  }
  const created = await objects.create({
    apiVersion: API_VERSION,
    kind: RUNNER_GROUP_KIND.kind,
    metadata: { name: options.groupName ?? 'linux', namespace: NAMESPACE },
    spec: { acquisitionProtocol: 'ScaleSet', runnerLabels: ['self-hosted', 'linux'], podTemplate: { spec: { containers: [{ name: 'runner' }] } }, ...(options.maxWorkers !== undefined && { maxWorkers: options.maxWorkers }) },
  } as KubernetesObject);
  const fake = await startFakeGitHub({ profile: 'fast', holdMs: 200, timings: { scaleSetSessionIdleMs: options.scaleSetSessionIdleMs ?? 60_000, lockTtlMs: 60_000, unstartedCancelMs: 120_000 } });
  const gh = fake.control.createApp({ org: 'acme' });
  fake.control.addRepo('acme/app');
  const app = new GitHubApp({ githubUrl: `${fake.url}/acme`, appId: gh.appId, privateKey: gh.privateKeyPem, installationId: gh.installationId });
  await app.start();
  const port = createKubernetesPort({ kubeConfig: server.kubeConfig, namespace: NAMESPACE });
  const metrics = createMetrics('controller');
  const logs: LogLine[] = [];
  const logger = captureLogger(logs);
  const inFlight = new InFlightJobs();
  const listeners: GroupListener[] = [];
  const runners = new StandInRunners(port, core, server);
  const env: ScaleSetEnv = {
    server,
    fake,
    app,
    port,
    core,
    metrics,
    logs,
    inFlight,
    runnerGroup: created as unknown as RunnerGroup,
    runners,
    context(overrides = {}) {
      const runnerGroup = env.runnerGroup;
      const provisioner = { ...resolveProvisionerGroup(runnerGroup, { securityProfile: 'restricted', proxy: {} }), completedPodTtlMs: 0, evictionRetryDelayMs: 0 };
      const rerunner = new DisruptionRerunner({
        github: createWorkflowRunsPort({ rest: app.rest }),
        clock: systemClock,
        budget: new InMemoryRerunBudgetStore(),
        metrics,
        logger,
        retryIntervalMs: 200,
        windowMs: 30_000,
      });
      return {
        group: { runnerGroup, provisioner },
        github: { target: app.target, tokens: app.tokens, http: {}, runnerVersion: '2.330.0' },
        kubernetes: port,
        provision: { kubernetes: port, clock: systemClock, metrics, logger, rerunner },
        metrics,
        inFlight: overrides.inFlight ?? new InFlightJobs(),
        clock: systemClock,
        logger,
        onChange: () => undefined,
        ...overrides,
      };
    },
    start(factory, overrides) {
      const listener = factory(env.context(overrides));
      listeners.push(listener);
      return listener;
    },
    async close() {
      await Promise.all(listeners.map((l) => l.stop('shutdown').catch(() => undefined)));
      await runners.stop();
      await port.close();
      await app.stop();
      await fake.close();
      await server.close();
    },
  };
  return env;
}

/** Waits for `check` to hold, polling every 25 ms; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The worker side, stood in: for each worker pod that is Running, its JIT runner opens a classic session,
 * takes the job GitHub gives it and completes it `succeeded`, then its pod ends Succeeded. Each pod's runner
 * works once.
 */
export class StandInRunners {
  readonly #seen = new Set<string>();
  readonly #work = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly #loop: Promise<void>;
  /** Plan ids (job GUIDs of the pods) whose runner completed a job, and the job GUID it completed. */
  readonly completed: Array<{ podJobId: string; jobId: string }> = [];
  /** Every Running worker pod seen, by plan id: a plan with two pod uids ran twice. */
  readonly podsByPlan = new Map<string, Set<string>>();
  enabled = true;
  /** Runners acquire their job and then hold it without completing (a worker still running); their pods keep running. */
  holdJobs = false;
  /** Jobs held (see holdJobs); `complete` reports one's end as its runner would (e.g. `canceled` on SIGTERM). */
  readonly held: Array<{ podJobId: string; jobId: string; complete(conclusion: 'succeeded' | 'failed' | 'canceled'): Promise<void> }> = [];

  constructor(
    private readonly port: ClosableKubernetesPort,
    private readonly core: CoreV1Api,
    private readonly server: ApiServer,
  ) {
    this.#loop = this.#scan();
  }

  async #scan(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      if (this.enabled) {
        const pods = await this.port.listPods(NAMESPACE, workerPodSelector('linux')).catch(() => []);
        for (const pod of pods) {
          const uid = pod.metadata?.uid ?? '';
          const planId = pod.metadata?.annotations?.['actions-gateway/plan-id'];
          if (pod.status?.phase !== 'Running' || this.#seen.has(uid) || !planId) continue;
          this.#seen.add(uid);
          this.podsByPlan.set(planId, (this.podsByPlan.get(planId) ?? new Set()).add(uid));
          const podName = pod.metadata?.name ?? '';
          // The runner exits when its job is done (or it gave up): the pod ends with it.
          const work = this.#run(planId)
            .then((held) => void (held || this.server.kubelet?.complete(NAMESPACE, podName, { phase: 'Succeeded' })))
            .finally(() => this.#work.delete(work));
          this.#work.add(work);
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** True when the runner holds its job (the pod keeps running). */
  async #run(planId: string): Promise<boolean> {
    const secret = await this.core.readNamespacedSecret({ namespace: NAMESPACE, name: jobSecretName(planId) }).catch(() => undefined);
    const encoded = secret?.data?.jitconfig;
    if (!encoded) return false;
    const jit = decodeJitConfig(Buffer.from(encoded, 'base64').toString('utf8'));
    const session = await ClassicBrokerSession.create({ jit, runnerVersion: '2.330.0' }, this.#stop.signal).catch(() => undefined);
    if (!session) return false;
    try {
      for (let i = 0; i < 50 && !this.#stop.signal.aborted; i++) {
        const poll = await session.getMessage({ signal: this.#stop.signal });
        if (poll.kind !== 'message' || poll.event.type !== 'RunnerJobRequest') continue;
        const acquired = await session.acquireJob(poll.event, { signal: this.#stop.signal });
        if (this.holdJobs) {
          this.held.push({ podJobId: planId, jobId: acquired.jobId, complete: (conclusion) => session.runService.completeJob(acquired, conclusion, {}, this.#stop.signal) });
          return true;
        }
        await session.runService.completeJob(acquired, 'succeeded', {}, this.#stop.signal);
        this.completed.push({ podJobId: planId, jobId: acquired.jobId });
        return false;
      }
    } catch {
      // A stopped test or a consumed runner: nothing to complete.
    } finally {
      await session.close().catch(() => undefined);
    }
    return false;
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('stand-in runners stopped'));
    await this.#loop;
    await Promise.all([...this.#work]);
  }
}
