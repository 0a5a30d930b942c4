// The classic tier against the testkit API server (kubelet simulator) and the fake GitHub, in process.
import { GitHubApp } from '@actions-gateway/broker-client';
import {
  API_VERSION,
  RUNNER_GROUP_KIND,
  applyRunnerGroupDefaults,
  crdManifests,
  resolveProvisionerGroup,
  systemClock,
  type Clock,
  type Logger,
  type RunnerGroup,
  type RunnerGroupSpec,
} from '@actions-gateway/core';
import { createMetrics, type ControllerMetrics } from '@actions-gateway/metrics';
import { startApiServer, startFakeGitHub, type ApiServer, type FakeGitHub, type FakeTimings, type KubeletOptions } from '@actions-gateway/testkit';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { createClassicListenerTier, type ClassicGroupListener } from '../../../../src/agc/classic/classic-tier.js';
import type { ClassicTierTimings } from '../../../../src/agc/classic/timings.js';
import { InFlightJobs } from '../../../../src/agc/listener/in-flight-jobs.js';
import type { ListenerContext, ListenerGroup } from '../../../../src/agc/listener/group-listener.js';
import { createKubernetesPort, type ClosableKubernetesPort } from '../../../../src/agc/ports/kubernetes-port.js';

export const NAMESPACE = 'ci';
export const LABELS = ['self-hosted', 'linux'];

/** Timings for tests: no production-length waits on the real clock. */
export const FAST_TIMINGS: Partial<ClassicTierTimings> = {
  restartDelayMs: 50,
  maxRestartDelayMs: 200,
  admissionRecheckMs: 100,
  idleThreshold: 50,
  minPollIntervalMs: 0,
};

/** A logger that keeps every line as JSON text (to assert that no secret is ever logged). */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  #add(level: string, fields: Record<string, unknown>, msg: string): void {
    const err = fields.err instanceof Error ? { err: { message: fields.err.message, name: fields.err.name } } : {};
    this.lines.push(JSON.stringify({ level, msg, ...fields, ...err }));
  }
  debug = (f: Record<string, unknown>, m: string): void => this.#add('debug', f, m);
  info = (f: Record<string, unknown>, m: string): void => this.#add('info', f, m);
  warn = (f: Record<string, unknown>, m: string): void => this.#add('warn', f, m);
  error = (f: Record<string, unknown>, m: string): void => this.#add('error', f, m);
  text(): string {
    return this.lines.join('\n');
  }
}

export interface EnvOptions {
  readonly spec?: Partial<RunnerGroupSpec>;
  readonly groupName?: string;
  readonly timings?: Partial<ClassicTierTimings>;
  readonly clock?: Clock;
  readonly kubelet?: KubeletOptions;
  readonly holdMs?: number;
  /** Use the RunnerGroup already created under this name (a restarted AGC). */
  readonly reuse?: boolean;
  /** The group's pre-registered spare agents (`spec.spareAgents`). */
  readonly spareAgents?: number;
}

export interface ClassicEnv {
  readonly kube: ApiServer;
  readonly core: CoreV1Api;
  readonly fake: FakeGitHub;
  readonly app: GitHubApp;
  readonly port: ClosableKubernetesPort;
  readonly metrics: ControllerMetrics;
  readonly logger: RecordingLogger;
  readonly inFlight: InFlightJobs;
  /** Starts a classic listener for a RunnerGroup (created in the API server). */
  startListener(options?: EnvOptions): Promise<{ listener: ClassicGroupListener; context: ListenerContext; group: ListenerGroup; changes: { count: number } }>;
  close(): Promise<void>;
}

export async function startClassicEnv(options: { kubelet?: KubeletOptions | false; holdMs?: number; fakeTimings?: Partial<FakeTimings> } = {}): Promise<ClassicEnv> {
  const kube = await startApiServer({ kubelet: options.kubelet ?? { startDelayMs: 0, defaultOutcome: { phase: 'Succeeded', afterMs: 150 } } });
  const core = kube.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  const objects = KubernetesObjectApi.makeApiClient(kube.kubeConfig);
  for (const { object } of crdManifests()) {
    if ((object as { kind?: string }).kind === 'CustomResourceDefinition') await objects.create(object);
  }
  const fake = await startFakeGitHub({ profile: 'fast', holdMs: options.holdMs ?? 200, ...(options.fakeTimings && { timings: options.fakeTimings }) });
  const created = fake.control.createApp({ org: 'acme' });
  fake.control.addRepo('acme/app');
  const app = new GitHubApp({ githubUrl: `${fake.url}/acme`, appId: created.appId, privateKey: created.privateKeyPem, installationId: created.installationId });
  await app.start();
  const port = createKubernetesPort({ kubeConfig: kube.kubeConfig, namespace: NAMESPACE });
  const metrics = createMetrics('controller');
  const logger = new RecordingLogger();
  const inFlight = new InFlightJobs();
  const listeners: ClassicGroupListener[] = [];

  return {
    kube,
    core,
    fake,
    app,
    port,
    metrics,
    logger,
    inFlight,
    async startListener(o = {}) {
      const name = o.groupName ?? 'linux';
      const spec = { acquisitionProtocol: 'Classic', runnerLabels: LABELS, podTemplate: { spec: { containers: [{ name: 'runner' }] } }, ...(o.spareAgents !== undefined && { spareAgents: o.spareAgents }), ...o.spec };
      const object = o.reuse
        ? await objects.read({ apiVersion: API_VERSION, kind: RUNNER_GROUP_KIND.kind, metadata: { name, namespace: NAMESPACE } })
        : await objects.create({
        apiVersion: API_VERSION,
        kind: RUNNER_GROUP_KIND.kind,
        metadata: { name, namespace: NAMESPACE },
            spec,
          } as KubernetesObject);
      const runnerGroup = applyRunnerGroupDefaults(object as unknown as RunnerGroup);
      const group: ListenerGroup = { runnerGroup, provisioner: resolveProvisionerGroup(runnerGroup, { securityProfile: 'restricted', proxy: { httpsProxy: 'http://egress.ci.svc:8080' } }) };
      const clock = o.clock ?? systemClock;
      const changes = { count: 0 };
      const context: ListenerContext = {
        group,
        github: { target: app.target, tokens: app.tokens, http: {}, runnerVersion: '2.330.0' },
        kubernetes: port,
        provision: { kubernetes: port, clock, metrics, logger },
        metrics,
        inFlight,
        clock,
        logger,
        onChange: () => void (changes.count += 1),
      };
      const listener = createClassicListenerTier({ kubeConfig: kube.kubeConfig, timings: { ...FAST_TIMINGS, ...o.timings } })(context) as ClassicGroupListener;
      listeners.push(listener);
      return { listener, context, group, changes };
    },
    async close() {
      await Promise.all(listeners.map((l) => l.stop('shutdown').catch(() => undefined)));
      await port.close();
      await app.stop();
      await fake.close();
      await kube.close();
    },
  };
}

/** Waits (real time, polling) until `check` returns a truthy value. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, tick?: () => Promise<void>): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (tick) await tick();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The value of one series of a metric (0 when absent). */
export async function metricValue(metrics: ControllerMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const all = await metrics.registry.getMetricsAsJSON();
  const base = name.replace(/_(count|sum|bucket)$/, '');
  const metric = all.find((m) => m.name === name) ?? all.find((m) => m.name === base);
  if (!metric) throw new Error(`no metric ${name}`);
  const values = (metric as { values: { value: number; metricName?: string; labels: Record<string, string | number> }[] }).values;
  return values.filter((v) => (v.metricName ?? metric.name) === name && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((sum, v) => sum + v.value, 0);
}

/** Worker pods of a group. */
export async function workerPods(env: ClassicEnv, group = 'linux'): Promise<{ name: string; phase: string }[]> {
  const pods = await env.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `actions-gateway/runner-group=${group}` });
  return pods.items.map((p) => ({ name: p.metadata?.name ?? '', phase: p.status?.phase ?? '' }));
}
