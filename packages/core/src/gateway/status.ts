// ActionsGateway status from what the GMC observed. Every condition is written on every pass, so a condition
// whose cause went away is set back (no sticky conditions).
import { setCondition } from '../api/condition-set.js';
import { GatewayConditionReason as R, GatewayConditionType as T } from '../api/conditions.js';
import type { ActionsGatewayStatus, Condition } from '../api/types.js';

/** What the GMC observed in one reconcile. */
export interface ObservedGateway {
  /** `metadata.generation` of the ActionsGateway. */
  readonly generation: number;
  readonly namespace: string;
  /** The current status conditions (their transition times are kept when a status does not change). */
  readonly conditions?: readonly Condition[];
  /** The App Secret name and whether it exists. */
  readonly secretName: string;
  readonly secretFound: boolean;
  /** Validation failures (joined message) when the spec is invalid; undefined when valid. */
  readonly invalidSpecMessage?: string;
  /** Proxy Deployment readyReplicas; undefined when it is missing or could not be read. */
  readonly proxyReadyReplicas?: number;
  /** The ProxyAvailable threshold (spec.proxy.minReplicas after defaults). */
  readonly proxyMinReplicas: number;
  /** AGC Deployment readyReplicas; undefined when missing or unreadable. */
  readonly agcReadyReplicas?: number;
  readonly now: Date;
}

/** The status to write, and when to look again. */
export interface GatewayStatusResult {
  readonly status: ActionsGatewayStatus;
  readonly ready: boolean;
  /** Requeue delay: 30s while the Secret is missing, 15s while not ready, none when ready or invalid. */
  readonly requeueAfterMs?: number;
}

/** Computes Ready, CredentialUnavailable, ProxyAvailable, AGCAvailable and InvalidSpec from `observed`. */
export function computeGatewayStatus(observed: ObservedGateway): GatewayStatusResult {
  const gen = observed.generation;
  let conditions = [...(observed.conditions ?? [])];
  const set = (type: string, ok: boolean, reason: string, message: string): void => {
    conditions = setCondition(conditions, { type, status: ok ? 'True' : 'False', reason, message, observedGeneration: gen }, observed.now);
  };

  const invalid = observed.invalidSpecMessage !== undefined;
  set(T.InvalidSpec, invalid, invalid ? R.InvalidSpec : R.SpecValid, observed.invalidSpecMessage ?? 'spec passed validation');

  const secretMessage = observed.secretFound
    ? 'referenced Secret exists'
    : `Secret "${observed.secretName}" not found in namespace "${observed.namespace}"`;
  set(T.CredentialUnavailable, !observed.secretFound, observed.secretFound ? R.SecretFound : R.SecretNotFound, secretMessage);

  const proxyReady = observed.proxyReadyReplicas ?? 0;
  const proxyOk = proxyReady >= observed.proxyMinReplicas;
  set(T.ProxyAvailable, proxyOk, proxyOk ? R.ProxyReady : R.ProxyNotReady, `${proxyReady}/${observed.proxyMinReplicas} proxy pods ready`);

  const agcOk = (observed.agcReadyReplicas ?? 0) >= 1;
  set(T.AGCAvailable, agcOk, agcOk ? R.AGCReady : R.AGCNotReady, agcOk ? 'AGC deployment is ready' : 'AGC deployment has no ready replica');

  let ready = false;
  let requeueAfterMs: number | undefined;
  if (invalid) {
    set(T.Ready, false, R.InvalidSpec, observed.invalidSpecMessage ?? '');
  } else if (!observed.secretFound) {
    set(T.Ready, false, R.CredentialUnavailable, secretMessage);
    requeueAfterMs = 30_000;
  } else if (proxyOk && agcOk) {
    ready = true;
    set(T.Ready, true, R.AllAvailable, 'proxy and AGC are available');
  } else {
    const waiting = [proxyOk ? undefined : 'proxy', agcOk ? undefined : 'AGC'].filter(Boolean).join(' and ');
    set(T.Ready, false, R.Provisioning, `waiting for ${waiting} to become available`);
    requeueAfterMs = 15_000;
  }

  return {
    status: { conditions, proxyReadyReplicas: proxyReady, observedGeneration: gen },
    ready,
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  };
}
