/**
 * One pool agent as a Secret (gag-system §4.3): `agentpool-<rg>-<i>`, Opaque, owned by the RunnerGroup,
 * holding the registered JIT runner. The Secret is the agent's only durable state; the blob and the key in
 * it are secrets and never logged.
 */
import { decodeJitConfig, type JitConfig } from '@actions-gateway/broker-client';
import { Labels, boundedDnsLabel, runnerGroupLabelValue, runnerGroupOwnerReference, type Secret } from '@actions-gateway/core';

/**
 * A registered single-use agent of the pool. GitHub's JIT blob is not held here: only a job's worker needs
 * it, so it stays in the agent Secret (its one source of truth) and is read from there when a job is
 * acquired ({@link jitBlobOf}); an idle agent does not carry ~4 KiB of secret text in memory.
 */
export interface PoolAgent {
  readonly index: number;
  /** The runner record id at GitHub. */
  readonly runnerId: number;
  /** `<rg>-<i>`: stable across recycles. */
  readonly name: string;
  readonly jit: JitConfig;
}

/** The group an agent Secret belongs to. */
export interface AgentGroupRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** GitHub runner names are at most 64 characters. */
const MAX_RUNNER_NAME = 64;

/** `agentpool-<rg>-<i>`. */
export function agentSecretName(groupName: string, index: number): string {
  return `agentpool-${groupName}-${index}`;
}

/** The agent's runner name at GitHub: `<rg>-<i>`, shortened with a hash only when it would not fit. */
export function agentName(groupName: string, index: number): string {
  return boundedDnsLabel(`${groupName}-${index}`, MAX_RUNNER_NAME);
}

/** The labels of a group's agent Secrets (also their list selector, without the index). */
export function agentSecretLabels(groupName: string, index?: number): Record<string, string> {
  return {
    [Labels.managedBy]: Labels.managedByAgc,
    [Labels.runnerGroup]: runnerGroupLabelValue(groupName),
    ...(index !== undefined && { [Labels.agentIndex]: String(index) }),
  };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The Secret of one agent; `encodedJitConfig` is GitHub's blob as registered. */
export function buildAgentSecret(group: AgentGroupRef, agent: PoolAgent, runnerVersion: string, encodedJitConfig: string): Secret {
  const { jit } = agent;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: agentSecretName(group.name, agent.index),
      namespace: group.namespace,
      labels: agentSecretLabels(group.name, agent.index),
      ...(group.uid !== '' && { ownerReferences: [{ ...runnerGroupOwnerReference(group), controller: false }] }),
    },
    data: {
      agentId: b64(String(agent.runnerId)),
      clientId: b64(jit.credentials.clientId),
      authorizationUrl: b64(jit.credentials.authorizationUrl),
      privateKeyPEM: b64(jit.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      agentIndex: b64(String(agent.index)),
      runnerVersion: b64(runnerVersion),
      brokerURL: b64(jit.runner.brokerUrl),
      encodedJITConfig: b64(encodedJitConfig),
    },
  };
}

/** The index an agent Secret is for (its label), or undefined when the label is missing or not a number. */
export function agentIndexOf(secret: Secret): number | undefined {
  const raw = secret.metadata?.labels?.[Labels.agentIndex];
  return raw !== undefined && /^\d{1,4}$/.test(raw) ? Number(raw) : undefined;
}

/** The runner id an agent Secret names (for deregistration), even when the rest of it is unusable. */
export function agentRunnerIdOf(secret: Secret): number | undefined {
  const raw = secret.data?.agentId;
  const text = raw === undefined ? '' : Buffer.from(raw, 'base64').toString('utf8');
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Reads an agent back from its Secret; throws an error naming the Secret and the key at fault. */
export function readAgentSecret(secret: Secret, groupName: string): PoolAgent {
  const name = secret.metadata?.name ?? '(unnamed)';
  const index = agentIndexOf(secret);
  if (index === undefined) throw new Error(`agent Secret ${name}: label ${Labels.agentIndex} is missing or not a number`);
  const runnerId = agentRunnerIdOf(secret);
  if (runnerId === undefined) throw new Error(`agent Secret ${name}: data.agentId is missing or not a number`);
  const encodedJitConfig = encodedJitConfigOf(secret);
  let jit: JitConfig;
  try {
    jit = decodeJitConfig(encodedJitConfig);
  } catch (err) {
    throw new Error(`agent Secret ${name}: data.encodedJITConfig: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return { index, runnerId, name: agentName(groupName, index), jit };
}

function encodedJitConfigOf(secret: Secret): string {
  const blob = secret.data?.encodedJITConfig;
  if (blob === undefined || blob === '') throw new Error(`agent Secret ${secret.metadata?.name ?? '(unnamed)'}: data.encodedJITConfig is missing`);
  return Buffer.from(blob, 'base64').toString('utf8');
}

/**
 * GitHub's JIT blob of `agent`, read back from its Secret (for the job's worker). Throws an error naming the
 * Secret when it is absent, holds no blob, or belongs to another registration than `agent` (recycled since).
 */
export function jitBlobOf(secret: Secret | undefined, agent: Pick<PoolAgent, 'runnerId'>, secretName: string): string {
  if (secret === undefined) throw new Error(`agent Secret ${secretName} is missing`);
  const runnerId = agentRunnerIdOf(secret);
  if (runnerId !== agent.runnerId) throw new Error(`agent Secret ${secretName}: data.agentId is ${runnerId ?? 'missing'}, not the agent's runner ${agent.runnerId}`);
  return encodedJitConfigOf(secret);
}
