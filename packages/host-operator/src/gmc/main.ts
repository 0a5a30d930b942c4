/**
 * The gmc process: flags → logger, metrics, tracing → informers → (when leading) the ActionsGateway
 * controller and the IP-range refresher; metrics, health and webhook servers; graceful shutdown that
 * drains the controller and releases the lease.
 */
import { createMetrics } from '@actions-gateway/metrics';
import type { ActionsGateway } from '@actions-gateway/core';
import { KubeConfig } from '@kubernetes/client-node';
import { startHealthServer } from '../http/health-server.js';
import { startMetricsServer } from '../http/metrics-server.js';
import type { RunningServer } from '../http/serve.js';
import { createLogger } from '../logging/logger.js';
import { Controller } from '../runtime/controller.js';
import { EventRecorder } from '../runtime/events.js';
import { Informer, type InformerOptions } from '../runtime/informer.js';
import { LeaderElector, leaderIdentity } from '../runtime/leader-election.js';
import { objectKey, type KubeObject } from '../runtime/object.js';
import { startTracing } from '../tracing/tracing.js';
import { parseGmcConfig } from './flags.js';
import { applyCidrsToGateways } from './ip-apply.js';
import { IpRangeCache, IpRangeRefresher, fetchGitHubCidrs } from './ip-ranges.js';
import { GatewayReconciler } from './reconciler.js';
import { startWebhookServer } from './webhook-server.js';

/** The GMC's Lease name. */
export const GMC_LEASE_NAME = 'actions-gateway-gmc-leader';
/** The package version stamped into build_info. */
export const GMC_VERSION = '0.1.0';

/** A running gmc. */
export interface GmcProcess {
  /** Bound ports of the servers that run (useful with port 0). */
  readonly ports: { readonly metrics?: number; readonly health?: number; readonly webhook?: number };
  /** This process's leader-election identity. */
  readonly identity: string;
  /** True while this process reconciles (always, without --leader-elect). */
  isLeader(): boolean;
  /** Resolves when the process should exit, with its exit code (leadership lost → 1). */
  readonly exited: Promise<number>;
  /** Graceful shutdown: stop reconciling, release the lease, close servers, flush spans. */
  shutdown(): Promise<void>;
}

type Gateway = ActionsGateway & KubeObject;

/** Timing overrides for embedding and fault-injection tests; production runs with the defaults. */
export interface GmcTuning {
  /** Applied to every informer of the gmc (watch silence bound, periodic re-list). */
  readonly informer?: Pick<InformerOptions<KubeObject>, 'idleTimeoutMs' | 'relistPeriodMs'>;
  /** ActionsGateways reconciled at once (each key is still one at a time) [4]. */
  readonly concurrency?: number;
}

/** Starts the gmc; throws a one-line error for bad flags or env (the bin prints it and exits 2). */
export async function startGmc(argv: readonly string[], env: NodeJS.ProcessEnv, tuning: GmcTuning = {}): Promise<GmcProcess | { help: string }> {
  const config = parseGmcConfig(argv, env);
  if ('help' in config) return config;
  const log = createLogger({ component: 'gmc', ...config.log });
  const tracing = startTracing({ serviceName: 'actions-gateway-gmc', serviceVersion: GMC_VERSION, env });
  const metrics = createMetrics('controller', { buildInfo: { version: GMC_VERSION, component: 'gmc' } });
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  const identity = leaderIdentity();

  const gateways = new Informer<Gateway>({
    kubeConfig: kc,
    path: '/apis/actions-gateway.github.com/v1alpha1/actionsgateways',
    name: 'actionsgateways',
    ...tuning.informer,
    logger: log,
    indexers: { appSecret: (ag) => [`${ag.metadata?.namespace ?? ''}/${ag.spec?.gitHubAppRef?.name ?? ''}`] },
  });
  // App Secrets are watched for their existence only: the data is dropped before caching.
  const secrets = new Informer<KubeObject>({
    kubeConfig: kc,
    path: '/api/v1/secrets',
    name: 'secrets',
    ...tuning.informer,
    logger: log,
    transform: (s) => ({ apiVersion: s.apiVersion, kind: s.kind, metadata: { name: s.metadata?.name, namespace: s.metadata?.namespace, resourceVersion: s.metadata?.resourceVersion } }),
  });
  const deployments = new Informer<KubeObject>({
    kubeConfig: kc,
    path: '/apis/apps/v1/deployments',
    labelSelector: 'app.kubernetes.io/managed-by=actions-gateway-gmc',
    name: 'deployments',
    ...tuning.informer,
    logger: log,
  });
  const events = new EventRecorder({ kubeConfig: kc, controller: 'actionsgateway-controller', instance: identity, logger: log });
  const ipRanges = new IpRangeCache();
  const reconciler = new GatewayReconciler({
    kubeConfig: kc,
    informer: gateways,
    events,
    metrics,
    ipRanges,
    agcImage: config.agcImage,
    proxyImage: config.proxyImage,
    workerImage: config.workerImage,
    allowAgcExtraEnv: config.allowAgcExtraEnv,
    policy: {
      reservedNamespaces: ['kube-system', 'kube-public', 'gmc-system', ...(config.podNamespace ? [config.podNamespace] : [])],
      allowedPriorityClasses: config.allowedPriorityClasses,
      allowPrivilegedWorkers: config.allowPrivilegedWorkers,
    },
    logger: log,
    env,
  });
  const controller = new Controller({
    name: 'actionsgateway',
    reconcile: reconciler.reconcile,
    // One worker made a burst of new tenants (two RSA keys each) or a re-list after a hung watch wait in
    // line: 20 tenants took ~200 s on a loaded box, past the 2-minute convergence bound. Tenants are
    // independent; the key generation runs on the thread pool, the writes overlap.
    concurrency: tuning.concurrency ?? 4,
    registry: metrics.registry,
    logger: log,
    onError: () => metrics.reconcileErrors.inc({ controller: 'gmc', resource: 'actionsgateway' }),
  })
    .watch(gateways)
    .watch(secrets, (s) => gateways.store.byIndex('appSecret', `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`).map((ag) => objectKey(ag)))
    .watch(deployments, (d) =>
      (d.metadata?.ownerReferences ?? []).filter((r) => r.kind === 'ActionsGateway' && r.controller).map((r) => `${d.metadata?.namespace ?? ''}/${r.name}`),
    );
  const refresher = new IpRangeRefresher({
    cache: ipRanges,
    fetch: (signal) => fetchGitHubCidrs(config.gitHubApiUrl, 60_000, signal),
    apply: async (cidrs) => {
      await applyCidrsToGateways(gateways.store.list(), cidrs, reconciler.writer, metrics, log);
      // A reconcile that read the cache before this refresh may be writing the policy right now, or may have
      // found no policy to patch yet; re-reconciling every gateway makes the newest ranges win either way.
      for (const gateway of gateways.store.list()) controller.enqueue(objectKey(gateway));
    },
    logger: log,
  });

  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));
  let stopping = false;
  const startLeading = (): void => {
    log.info({ identity }, 'starting the ActionsGateway controller');
    refresher.start();
    controller.start().catch((err: unknown) => log.error({ err }, 'controller failed to start'));
  };
  const elector = config.leaderElect
    ? new LeaderElector({
        kubeConfig: kc,
        namespace: config.podNamespace ?? 'gmc-system',
        leaseName: GMC_LEASE_NAME,
        identity,
        ...config.leaderElection,
        logger: log,
        onStartedLeading: startLeading,
        onStoppedLeading: (reason) => {
          if (reason === 'lost' && !stopping) {
            log.error({ identity }, 'leader election lost; exiting');
            resolveExit(1);
          }
        },
        onNewLeader: (leader) => log.info({ leader }, 'new leader observed'),
      })
    : undefined;

  const servers: RunningServer[] = [];
  const ports: { metrics?: number; health?: number; webhook?: number } = {};
  let webhookStarted = false;
  try {
    if (config.metrics) {
      const s = await startMetricsServer(metrics.registry, config.metrics);
      servers.push(s);
      ports.metrics = s.port;
    }
    if (config.webhook && config.enableWebhooks) {
      const s = await startWebhookServer({ address: config.webhook, certificate: config.webhookCert, policy: reconciler.policy, logger: log });
      servers.push(s);
      ports.webhook = s.port;
      webhookStarted = true;
    }
    if (config.health) {
      const s = await startHealthServer(
          {
            healthz: { ping: () => undefined, 'leader-election': () => (elector && !elector.healthy() ? 'lease not renewed within the lease duration' : undefined) },
            readyz: {
              informers: () => (gateways.isFresh() && deployments.isFresh() && secrets.isFresh() ? undefined : 'informers not synced or not fresh'),
              ...(config.webhook && config.enableWebhooks ? { webhook: () => (webhookStarted ? undefined : 'webhook server not started') } : {}),
            },
          },
          config.health,
        );
      servers.push(s);
      ports.health = s.port;
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close(0)));
    throw err;
  }
  gateways.start();
  deployments.start();
  secrets.start();
  if (elector) elector.start();
  else startLeading();
  log.info({ identity, leaderElect: config.leaderElect }, 'gmc started');

  let leading = !elector;
  return {
    ports,
    identity,
    isLeader: () => (elector ? elector.isLeader() : leading),
    exited,
    shutdown: async () => {
      stopping = true;
      leading = false;
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
      }, 8000);
      deadline.unref();
      await step('ip range refresher', () => refresher.stop());
      await step('controller', () => controller.stop());
      await step('informers', () => Promise.all([gateways.stop(), deployments.stop(), secrets.stop()]));
      await step('leader election', async () => elector?.stop());
      await step('servers', () => Promise.all(servers.map((s) => s.close(3000))));
      await step('tracing', () => tracing.shutdown(5000));
      clearTimeout(deadline);
      resolveExit(0);
    },
  };
}
