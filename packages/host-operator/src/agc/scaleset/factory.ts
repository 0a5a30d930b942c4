/**
 * `createScaleSetListenerTier`: the `ListenerTierFactory` of `acquisitionProtocol: ScaleSet`. One admin
 * client (RemoteAuth hop, admin JWT) is shared by every group of the AGC; each group gets its own state
 * ConfigMap and listener.
 */
import { GitHubRestClient, RunnerRegistrar, ScaleSetAdminClient, type Clock as WireClock } from '@actions-gateway/broker-client';
import type { Clock } from '@actions-gateway/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import type { GitHubAccess, ListenerContext, ListenerTierFactory } from '../listener/group-listener.js';
import { ScaleSetListener, type ScaleSetListenerSettings } from './scale-set-listener.js';
import { createConfigMapStateStore, type ScaleSetStateStore } from './state-store.js';

/** Options of {@link createScaleSetListenerTier}. */
export interface ScaleSetTierOptions {
  /** Where the state ConfigMaps live; required unless `stateStore` is given. */
  readonly kubeConfig?: KubeConfig | undefined;
  /** A state store per group instead of the ConfigMap one (e.g. a third party's). */
  readonly stateStore?: ((context: ListenerContext) => ScaleSetStateStore) | undefined;
  /** `GITHUB_RUNNER_GROUP_ID`: the runner group the scale sets join. Default 1 (Default). */
  readonly runnerGroupId?: number | undefined;
  /** `ownerName` of the sessions. Default the host name. */
  readonly ownerName?: string | undefined;
  /** Wait after a 409 session conflict or a name conflict. Default 30 s. */
  readonly conflictRetryMs?: number | undefined;
  /** First wait after a poll or state error (doubling to 60 s). Default 1 s. */
  readonly errorBackoffMs?: number | undefined;
  /** How long a pod that ended before its runner took a job waits for a late JobStarted before the job gets a new pod. Default 5 s. */
  readonly startGraceMs?: number | undefined;
  /** Period of the sweep that deletes JIT registrations a crash leaked (it also runs once on replay). Default 10 min. */
  readonly runnerSweepMs?: number | undefined;
  /** Poll bounds (defaults: broker-client's 60 s header deadline, 100 ms floor between polls). */
  readonly poll?: ScaleSetListenerSettings['poll'];
  /**
   * Aborting it stops every listener of this factory at once, without closing sessions or waiting for
   * anything: the state a SIGKILL leaves. For crash tests.
   */
  readonly killSignal?: AbortSignal | undefined;
}

/** broker-client's clock (epoch ms, rejecting sleep) on core's. */
export function wireClock(clock: Clock): WireClock {
  return {
    now: () => clock.now().getTime(),
    async sleep(ms, signal) {
      if (!(await clock.sleep(ms, signal))) throw (signal?.reason as Error | undefined) ?? new Error('aborted');
    },
  };
}

function adminClient(github: GitHubAccess, clock: Clock): ScaleSetAdminClient {
  const rest = new GitHubRestClient(github.target.apiBaseUrl, github.tokens, { http: github.http, clock: wireClock(clock) });
  return new ScaleSetAdminClient(rest, new RunnerRegistrar(rest, github.target), github.target, { http: github.http, clock: wireClock(clock) });
}

/** The scale-set tier: pass it to the RunnerGroup controller for groups with `acquisitionProtocol: ScaleSet`. */
export function createScaleSetListenerTier(options: ScaleSetTierOptions): ListenerTierFactory {
  if (!options.kubeConfig && !options.stateStore) throw new Error('createScaleSetListenerTier: kubeConfig (or stateStore) is required');
  let admin: { github: GitHubAccess; client: ScaleSetAdminClient } | undefined;
  const settings: ScaleSetListenerSettings = {
    runnerGroupId: options.runnerGroupId ?? 1,
    ownerName: options.ownerName ?? hostname(),
    conflictRetryMs: options.conflictRetryMs ?? 30_000,
    errorBackoffMs: options.errorBackoffMs ?? 1_000,
    poll: options.poll,
    startGraceMs: options.startGraceMs,
    runnerSweepMs: options.runnerSweepMs,
  };
  return (context) => {
    if (admin?.github !== context.github) admin = { github: context.github, client: adminClient(context.github, context.clock) };
    const group = context.group.provisioner;
    const store =
      options.stateStore?.(context) ??
      createConfigMapStateStore({ kubeConfig: options.kubeConfig!, namespace: group.namespace, group: { name: group.name, uid: group.uid }, logger: context.logger });
    return new ScaleSetListener({ context, admin: admin.client, store, settings, killSignal: options.killSignal });
  };
}
