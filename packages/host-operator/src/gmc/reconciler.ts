/**
 * The ActionsGateway reconcile (gag-system §3.2, §3.8, §3.9) on the runtime: finalizer; the same
 * validation as the webhook (invalid → Ready=False/InvalidSpec + Warning Event, nothing provisioned);
 * the App Secret (missing → CredentialUnavailable, nothing else created); PSA labels; every object of
 * core's desired state by server-side apply (the proxy's replicas only at create); RunnerGroups and
 * prune; status with observedGeneration. Deletion tears down in core's order, then drops the finalizer.
 */
import {
  API_GROUP,
  API_VERSION,
  GMC_FINALIZER,
  GatewayEventReason,
  PSA_FIELD_MANAGER,
  TenantNames,
  agcExtraEnvFrom,
  applyActionsGatewayDefaults,
  buildGatewayDesiredState,
  buildNamespacePsaApply,
  buildTeardownPlan,
  computeGatewayStatus,
  formatViolations,
  validateActionsGateway,
  type ActionsGateway,
  type ValidationContext,
} from '@actions-gateway/core';
import type { ControllerMetrics } from '@actions-gateway/metrics';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { ReconcileResult } from '../runtime/controller.js';
import { CustomResourceClient } from '../runtime/custom-resource.js';
import type { EventRecorder } from '../runtime/events.js';
import { ensureFinalizer, removeFinalizer } from '../runtime/finalizers.js';
import type { Informer } from '../runtime/informer.js';
import { isNotFound, toKubeError } from '../runtime/kube-error.js';
import type { RuntimeLogger } from '../runtime/logger.js';
import { splitKey, type KubeObject } from '../runtime/object.js';
import { updateStatus } from '../runtime/status.js';
import type { IpRangeCache } from './ip-ranges.js';
import { ObjectWriter } from './kube-objects.js';
import { tenantCertificates } from './tenant-certs.js';

/** The ActionsGateway resource. */
export const ACTIONS_GATEWAY_RESOURCE = { group: API_GROUP, version: 'v1alpha1', plural: 'actionsgateways' } as const;

/** What the reconciler needs. */
export interface GatewayReconcilerOptions {
  readonly kubeConfig: KubeConfig;
  readonly informer: Informer<ActionsGateway & KubeObject>;
  readonly events: EventRecorder;
  readonly metrics: ControllerMetrics;
  readonly ipRanges: IpRangeCache;
  readonly agcImage: string;
  readonly proxyImage: string;
  readonly workerImage?: string | undefined;
  readonly allowAgcExtraEnv: boolean;
  readonly policy: Pick<ValidationContext, 'reservedNamespaces' | 'allowedPriorityClasses' | 'allowPrivilegedWorkers'>;
  readonly logger: RuntimeLogger;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
}

type Gateway = ActionsGateway & KubeObject;

/** Reconciles ActionsGateways. */
export class GatewayReconciler {
  readonly gateways: CustomResourceClient<Gateway>;
  readonly writer: ObjectWriter;
  private readonly now: () => Date;

  /** The admission policy, shared with the webhook so both run the same validation. */
  get policy(): GatewayReconcilerOptions['policy'] {
    return this.o.policy;
  }

  constructor(private readonly o: GatewayReconcilerOptions) {
    this.gateways = new CustomResourceClient<Gateway>(o.kubeConfig, ACTIONS_GATEWAY_RESOURCE);
    this.writer = new ObjectWriter(o.kubeConfig);
    this.now = o.now ?? (() => new Date());
  }

  /** The controller's reconcile function. */
  readonly reconcile = async (key: string): Promise<ReconcileResult | void> => {
    this.o.metrics.managedGateways.set(this.o.informer.store.list().filter((g) => !g.metadata?.deletionTimestamp).length);
    const { namespace, name } = splitKey(key);
    if (!namespace) return;
    let ag: Gateway;
    try {
      ag = await this.gateways.get(namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (ag.metadata?.deletionTimestamp) return this.teardown(ag);
    ag = await ensureFinalizer(this.gateways, ag, GMC_FINALIZER);

    const validation = validateActionsGateway(ag, { ...this.o.policy, operation: 'CREATE', namespace });
    if (!validation.valid) {
      const message = formatViolations(validation.violations);
      await this.o.events.record(ag, 'Warning', GatewayEventReason.InvalidSpec, 'Validate', message);
      await this.writeStatus(ag, { secretFound: true, invalidSpecMessage: message });
      return;
    }

    const secretName = ag.spec.gitHubAppRef.name;
    const secret = await this.writer.read({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
    if (!secret) {
      const result = await this.writeStatus(ag, { secretFound: false });
      return { requeueAfter: result.requeueAfterMs ?? 30_000 };
    }

    await this.applyPsaLabels(ag, namespace);
    const desired = buildGatewayDesiredState({
      gateway: ag,
      agcImage: this.o.agcImage,
      proxyImage: this.o.proxyImage,
      workerImage: this.o.workerImage,
      gitHubCidrs: this.o.ipRanges.snapshot(),
      certificates: await tenantCertificates(this.writer, namespace, this.now()),
      agcExtraEnv: agcExtraEnvFrom(this.o.env ?? process.env, this.o.allowAgcExtraEnv),
    });
    for (const d of desired.objects) {
      const object = d.object as KubernetesObject;
      if (d.createObject) await this.writer.createThenApply(object, d.createObject as KubernetesObject);
      else await this.writer.apply(object);
    }
    for (const legacy of desired.legacyDeletes) await this.writer.delete({ ...legacy, namespace }).catch(() => false);
    for (const rg of desired.runnerGroups) await this.writer.apply(rg as KubernetesObject);
    const keep = new Set(desired.runnerGroups.map((rg) => rg.metadata.name));
    const owned = await this.writer.listNames(API_VERSION, 'RunnerGroup', namespace, desired.runnerGroupSelector);
    for (const stale of owned.filter((n) => !keep.has(n))) await this.writer.delete({ apiVersion: API_VERSION, kind: 'RunnerGroup', namespace, name: stale });

    const [proxy, agc] = await Promise.all([
      this.readyReplicas(namespace, TenantNames.proxy),
      this.readyReplicas(namespace, TenantNames.controller),
    ]);
    const result = await this.writeStatus(ag, { secretFound: true, proxyReadyReplicas: proxy, agcReadyReplicas: agc });
    return result.requeueAfterMs ? { requeueAfter: result.requeueAfterMs } : undefined;
  };

  private async readyReplicas(namespace: string, name: string): Promise<number | undefined> {
    try {
      const d = await this.writer.read<KubernetesObject & { status?: { readyReplicas?: number } }>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
      return d ? (d.status?.readyReplicas ?? 0) : undefined;
    } catch {
      return undefined; // a failed read counts as not ready
    }
  }

  private async applyPsaLabels(ag: Gateway, namespace: string): Promise<void> {
    const psa = buildNamespacePsaApply(namespace, applyActionsGatewayDefaults(ag).spec.securityProfile) as KubernetesObject;
    try {
      await this.writer.apply(psa, PSA_FIELD_MANAGER, false);
    } catch (err) {
      const e = toKubeError(err);
      if (e.status === 403) {
        await this.o.events.record(ag, 'Warning', GatewayEventReason.NamespaceMarkerMissing, 'ApplyPSALabels', `cannot label namespace ${namespace}: ${e.message}`);
        throw e;
      }
      if (e.status !== 409) throw e;
      await this.o.events.record(ag, 'Warning', GatewayEventReason.PSALabelsOverridden, 'ReapplyPSALabels', `another manager owned PSA labels on ${namespace}; re-applying: ${e.message}`);
      await this.writer.apply(psa, PSA_FIELD_MANAGER, true);
    }
  }

  private writeStatus(ag: Gateway, observed: { secretFound: boolean; invalidSpecMessage?: string; proxyReadyReplicas?: number | undefined; agcReadyReplicas?: number | undefined }) {
    const namespace = ag.metadata?.namespace ?? '';
    const name = ag.metadata?.name ?? '';
    let out: ReturnType<typeof computeGatewayStatus> | undefined;
    return updateStatus(this.gateways, namespace, name, (live) => {
      const defaulted = applyActionsGatewayDefaults(live);
      out = computeGatewayStatus({
        generation: live.metadata?.generation ?? 0,
        namespace,
        conditions: live.status?.conditions ?? [],
        secretName: live.spec.gitHubAppRef.name,
        secretFound: observed.secretFound,
        ...(observed.invalidSpecMessage !== undefined ? { invalidSpecMessage: observed.invalidSpecMessage } : {}),
        ...(observed.proxyReadyReplicas !== undefined ? { proxyReadyReplicas: observed.proxyReadyReplicas } : {}),
        ...(observed.agcReadyReplicas !== undefined ? { agcReadyReplicas: observed.agcReadyReplicas } : {}),
        proxyMinReplicas: defaulted.spec.proxy.minReplicas,
        now: this.now(),
      });
      return out.status;
    }).then(() => out!);
  }

  /** §3.9: RunnerGroups first (wait for their finalizers), then the plan's deletes in order, then the finalizer. */
  private async teardown(ag: Gateway): Promise<ReconcileResult | void> {
    if (!ag.metadata?.finalizers?.includes(GMC_FINALIZER)) return;
    const plan = buildTeardownPlan(ag);
    const { namespace } = plan.runnerGroups;
    const groups = await this.writer.listNames(API_VERSION, 'RunnerGroup', namespace, plan.runnerGroups.labelSelector);
    if (groups.length > 0) {
      for (const g of groups) await this.writer.delete({ apiVersion: API_VERSION, kind: 'RunnerGroup', namespace, name: g });
      return { requeueAfter: plan.requeueWhileRunnerGroupsRemainMs };
    }
    const failures: string[] = [];
    for (const d of plan.deletes) {
      try {
        await this.writer.delete(d);
      } catch (err) {
        failures.push(`${d.kind}/${d.name}: ${toKubeError(err).message}`);
      }
    }
    if (failures.length > 0) {
      const message = `teardown incomplete: ${failures.join('; ')}`;
      await this.o.events.record(ag, 'Warning', GatewayEventReason.TeardownIncomplete, 'ReconcileDelete', message);
      throw new Error(message);
    }
    await removeFinalizer(this.gateways, ag, GMC_FINALIZER);
    this.o.logger.info({ namespace, name: ag.metadata.name }, 'gateway torn down');
  }
}
