/**
 * The agc process: flags and env → logger, metrics, tracing → GitHub App credentials, token manager and
 * the proxy-routed transport → informers on the namespace's RunnerGroups and worker pods → the RunnerGroup
 * controller once the first installation token arrived; metrics (`:8080`) and health (`:8081`) servers;
 * graceful shutdown that stops taking work, stops every listener (`shutdown`: sessions deleted), and
 * flushes spans within 5 s.
 */
import { DisruptionRerunner, InMemoryRerunBudgetStore, systemClock as coreSystemClock, type AcquisitionProtocol, type Clock as CoreClock, type ProvisionPorts } from '@actions-gateway/core';
import { createMetrics, renderExposition } from '@actions-gateway/metrics';
import { trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { KubeConfig } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import type { DestinationStream } from 'pino';
import { startHealthServer } from '../http/health-server.js';
import { startMetricsServer } from '../http/metrics-server.js';
import type { RunningServer } from '../http/serve.js';
import { createLogger } from '../logging/logger.js';
import { Controller } from '../runtime/controller.js';
import { CustomResourceClient } from '../runtime/custom-resource.js';
import { EventRecorder } from '../runtime/events.js';
import { Informer, type InformerOptions } from '../runtime/informer.js';
import { metadataOnly, withoutManagedFields, type KubeObject } from '../runtime/object.js';
import { controllerRuntimeMetrics, workQueueMetrics } from '../runtime/runtime-metrics.js';
import { startTracing } from '../tracing/tracing.js';
import { createClassicListenerTier } from './classic/classic-tier.js';
import { readAppCredentials } from './config/credentials.js';
import { parseAgcConfig } from './config/flags.js';
import { createGitHubAccess } from './config/github-access.js';
import { createGitHubDispatcher } from './config/github-transport.js';
import { RUNNER_GROUP_LABEL_INDEX, podToRunnerGroup, runnerGroupLabelIndexer } from './controller/pod-mapping.js';
import { RUNNER_GROUP_RESOURCE, RunnerGroupReconciler, type RunnerGroupObject } from './controller/reconciler.js';
import { createScaleSetListenerTier } from './scaleset/factory.js';
import type { ListenerTierFactory } from './listener/group-listener.js';
import { InFlightJobs } from './listener/in-flight-jobs.js';
import { WORKER_POD_SELECTOR, createKubernetesPort } from './ports/kubernetes-port.js';
import { QuotaCache } from './ports/quota-cache.js';
import { createWorkflowRunsPort } from './ports/workflow-runs-port.js';

/** The package version stamped into build_info and `service.version`. */
export const AGC_VERSION = '0.1.0';
/** The default `service.name` of the AGC's spans. */
export const AGC_SERVICE_NAME = 'actions-gateway-agc';
/** How long the first installation token may take before the process gives up (gag-system §1.2). */
export const INITIAL_TOKEN_TIMEOUT_MS = 120_000;
/** The Event recorder's reporting controller. */
export const AGC_EVENT_CONTROLLER = 'runnergroup-controller';

/** What a host embedding the AGC (or a test) may inject. */
export interface AgcHostOptions {
  /**
   * Listener tiers by acquisition protocol, replacing the built-in ones (the classic tier and the scale-set
   * tier, on this process's kubeconfig and `GITHUB_RUNNER_GROUP_ID`). A protocol without a tier leaves its
   * groups Ready=False/TierUnavailable.
   */
  readonly tiers?: Partial<Record<AcquisitionProtocol, ListenerTierFactory>>;
  /** Where log lines go; stdout when absent. */
  readonly logDestination?: DestinationStream | NodeJS.WritableStream;
  /** Spans go here instead of OTLP/gRPC when tracing is on (tests, embedding). */
  readonly spanExporter?: SpanExporter;
  /** The clock of listeners, the reaper and re-runs; the wall clock when absent. */
  readonly clock?: CoreClock;
  /** Overrides {@link INITIAL_TOKEN_TIMEOUT_MS}. */
  readonly initialTokenTimeoutMs?: number;
  /** Pause between re-run attempts GitHub refused with "already running" (core's 30 s when absent). */
  readonly rerunRetryIntervalMs?: number;
  /** Parallel reconciles (4 when absent). */
  readonly concurrency?: number;
  /** Applied to both informers of the agc (watch silence bound, periodic re-list), as the gmc's. */
  readonly informer?: Pick<InformerOptions<KubeObject>, 'idleTimeoutMs' | 'relistPeriodMs'>;
}

/** A running agc. */
export interface AgcProcess {
  /** Bound ports of the servers that run (useful with port 0). */
  readonly ports: { readonly metrics?: number; readonly health?: number };
  /** Resolves with the exit code: 0 after a graceful shutdown, 1 when the first token never came. */
  readonly exited: Promise<number>;
  /** The metrics registry (every AGC metric of the catalogue and the runtime's). */
  readonly registry: ReturnType<typeof createMetrics<'controller'>>['registry'];
  /** The RunnerGroup reconciler (listeners per group). */
  readonly reconciler: RunnerGroupReconciler;
  /** True once the informers synced and the first installation token arrived. */
  isReady(): boolean;
  /** Graceful shutdown: stop taking work, stop listeners (sessions deleted), close servers, flush spans. */
  shutdown(): Promise<void>;
}

/** Starts the agc; throws a one-line error for bad flags, env or credential files (the bin exits 2). */
export async function startAgc(argv: readonly string[], env: NodeJS.ProcessEnv, options: AgcHostOptions = {}): Promise<AgcProcess | { help: string }> {
  const config = parseAgcConfig(argv, env);
  if ('help' in config) return config;
  const credentials = await readAppCredentials(config.githubAppDir);
  const dispatcher = createGitHubDispatcher({ proxy: config.proxy, proxyCaFile: config.proxyCaFile, extraCaFile: env['NODE_EXTRA_CA_CERTS'] });

  const log = createLogger({ component: 'agc', ...config.log, ...(options.logDestination && { destination: options.logDestination }) });
  const tracing = startTracing({ serviceName: AGC_SERVICE_NAME, serviceVersion: AGC_VERSION, env, ...(options.spanExporter && { exporter: options.spanExporter }) });
  const tracer = trace.getTracer(AGC_SERVICE_NAME, AGC_VERSION);
  const metrics = createMetrics('controller', { buildInfo: { version: AGC_VERSION, component: 'agc' } });
  // The runtime's families exist from the first scrape, before the controller has run once.
  workQueueMetrics(metrics.registry);
  controllerRuntimeMetrics(metrics.registry);
  const clock = options.clock ?? coreSystemClock;

  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();

  const github = createGitHubAccess({ config, credentials, dispatcher, metrics, logger: log });
  const ns = encodeURIComponent(config.namespace);
  // Only keys and the label index come from this cache (every reconcile reads the live group), so it keeps
  // no spec or status: at thousands of groups that is most of what a cached RunnerGroup weighs.
  const groups = new Informer<KubeObject>({
    kubeConfig: kc,
    path: `/apis/${RUNNER_GROUP_RESOURCE.group}/${RUNNER_GROUP_RESOURCE.version}/namespaces/${ns}/${RUNNER_GROUP_RESOURCE.plural}`,
    name: 'runnergroups',
    ...options.informer,
    logger: log,
    indexers: { [RUNNER_GROUP_LABEL_INDEX]: runnerGroupLabelIndexer },
    transform: metadataOnly,
  });
  const pods = new Informer<KubeObject>({ kubeConfig: kc, path: `/api/v1/namespaces/${ns}/pods`, labelSelector: WORKER_POD_SELECTOR, name: 'worker-pods', ...options.informer, logger: log, transform: withoutManagedFields });
  const events = new EventRecorder({ kubeConfig: kc, controller: AGC_EVENT_CONTROLLER, instance: env['HOSTNAME'] ?? hostname(), logger: log });
  // Admission reads quotas and limit ranges before every poll of every session: from informers, not a LIST each.
  const quotaCache = new QuotaCache({ kubeConfig: kc, namespace: config.namespace, ...(options.informer && { informer: options.informer }), logger: log });
  const kubernetes = createKubernetesPort({ kubeConfig: kc, namespace: config.namespace, podInformer: pods, quotaCache, events, logger: log });
  const rerunner = new DisruptionRerunner({
    github: createWorkflowRunsPort({ rest: github.rest }),
    clock,
    budget: new InMemoryRerunBudgetStore(),
    ...(options.rerunRetryIntervalMs !== undefined && { retryIntervalMs: options.rerunRetryIntervalMs }),
    metrics,
    logger: log,
  });
  const provision: ProvisionPorts = { kubernetes, clock, metrics, logger: log, tracer, rerunner };
  const reconciler = new RunnerGroupReconciler({
    namespace: config.namespace,
    client: new CustomResourceClient<RunnerGroupObject>(kc, RUNNER_GROUP_RESOURCE),
    pods,
    tiers: options.tiers ?? {
      Classic: createClassicListenerTier({ kubeConfig: kc, runnerGroupId: config.runnerGroupId, registrationConcurrency: config.registrationConcurrency }),
      ScaleSet: createScaleSetListenerTier({ kubeConfig: kc, runnerGroupId: config.runnerGroupId, ownerName: env['HOSTNAME'] ?? hostname() }),
    },
    github: github.access,
    kubernetes,
    provision,
    metrics,
    inFlight: new InFlightJobs(),
    clock,
    logger: log,
    events,
    host: {
      workerImage: config.workerImage,
      securityProfile: config.securityProfile,
      serviceAccountName: config.workerServiceAccount,
      proxy: { httpProxy: config.proxy.httpProxy, httpsProxy: config.proxy.httpsProxy, noProxy: config.proxy.noProxy, caSecretName: config.proxyTlsSecretName },
    },
    tracer,
    rerunner,
    startedAt: clock.now(),
    enqueue: (key) => controller.enqueue(key),
  });
  const controller: Controller = new Controller({
    name: 'runnergroup',
    reconcile: reconciler.reconcile,
    concurrency: options.concurrency ?? 4,
    registry: metrics.registry,
    logger: log,
    onError: () => metrics.reconcileErrors.inc({ controller: 'agc', resource: 'runnergroup' }),
  })
    .watch(groups)
    .watch(pods, podToRunnerGroup(groups, pods));

  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));
  let tokenArrived = false;
  let stopping = false;

  const servers: RunningServer[] = [];
  const ports: { metrics?: number; health?: number } = {};
  try {
    if (config.metrics) {
      const s = await startMetricsServer(metrics.registry, config.metrics, renderExposition);
      servers.push(s);
      ports.metrics = s.port;
    }
    if (config.health) {
      const s = await startHealthServer(
        {
          healthz: { ping: () => undefined },
          readyz: {
            informers: () => (groups.hasSynced() && pods.hasSynced() ? undefined : 'informers not synced'),
            token: () => (tokenArrived ? undefined : 'no installation token yet'),
          },
        },
        config.health,
      );
      servers.push(s);
      ports.health = s.port;
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close(0)));
    await dispatcher.close().catch(() => undefined);
    throw err;
  }

  // The controller starts once a token is there: every listener needs one.
  github.tokens.start();
  // Not part of readiness: until it syncs (or while its watch is refused) admission lists live.
  quotaCache.start();
  const timeoutMs = options.initialTokenTimeoutMs ?? INITIAL_TOKEN_TIMEOUT_MS;
  let tokenTimer: NodeJS.Timeout | undefined;
  const tokenTimeout = new Promise<'timeout'>((resolve) => {
    tokenTimer = setTimeout(() => resolve('timeout'), timeoutMs);
    tokenTimer.unref();
  });
  void Promise.race([github.firstToken.then(() => 'token' as const), tokenTimeout]).then((outcome) => {
    clearTimeout(tokenTimer);
    if (stopping) return;
    if (outcome === 'timeout') {
      log.error({ timeoutMs }, `no GitHub installation token within ${Math.round(timeoutMs / 1000)} s; check the App credentials in ${config.githubAppDir}, GITHUB_ORG_URL/GITHUB_API_BASE_URL and the egress proxy; exiting`);
      void shutdown(1);
      return;
    }
    tokenArrived = true;
    log.info({ namespace: config.namespace }, 'installation token arrived; starting the RunnerGroup controller');
    controller.start().catch((err: unknown) => log.error({ err }, 'controller failed to start'));
  });
  log.info({ namespace: config.namespace, github: config.github.url, apiBaseUrl: config.github.apiBaseUrl, proxied: Boolean(config.proxy.httpsProxy ?? config.proxy.httpProxy), tracing: tracing.enabled }, 'agc started');

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (code: number): Promise<void> =>
    (shuttingDown ??= (async () => {
      stopping = true;
      clearTimeout(tokenTimer);
      log.info({}, 'shutting down');
      // Every step runs even when an earlier one fails; the process must always get to exit.
      const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          log.error({ err, step: what }, 'shutdown step failed');
        }
      };
      const deadline = setTimeout(() => {
        log.error({}, 'graceful shutdown took too long; exiting');
        resolveExit(1);
      }, 20_000);
      deadline.unref();
      await step('controller', () => controller.stop());
      await step('listeners', () => reconciler.shutdown());
      await step('informers', () => Promise.all([groups.stop(), pods.stop(), quotaCache.stop()]));
      await step('kubernetes port', () => kubernetes.close());
      await step('token manager', () => github.tokens.stop());
      await step('servers', () => Promise.all(servers.map((s) => s.close(3000))));
      await step('github transport', () => dispatcher.close());
      await step('tracing', () => tracing.shutdown(5000));
      clearTimeout(deadline);
      resolveExit(code);
    })());

  return {
    ports,
    exited,
    registry: metrics.registry,
    reconciler,
    isReady: () => tokenArrived && groups.hasSynced() && pods.hasSynced(),
    shutdown: () => shutdown(0),
  };
}
