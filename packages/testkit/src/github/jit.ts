// Runner records and the JIT config blob (spec §5.2): base64 of {".runner", ".credentials", ".credentials_rsaparams"}.
import { b64, randomUUID } from './crypto.js';
import type { RunnerRecord } from './state.js';
import type { World } from './world.js';

export interface NewRunner {
  name: string;
  scope: string;
  owner: string;
  groupId: number;
  labels: string[];
  workFolder?: string;
  scaleSetId?: number;
  /** false models a `config.sh` runner that survives its jobs (JIT runners are always single use). */
  ephemeral?: boolean;
}

export function oauthUrl(world: World): string {
  return `${world.baseUrl}/_oauth/token`;
}

export function brokerUrl(world: World): string {
  return `${world.baseUrl}/_broker/`;
}

/** Registers a single-use runner with an RSA key ({@link World.runnerKey}) and returns it with its encoded JIT config. */
export function createJitRunner(world: World, spec: NewRunner): { runner: RunnerRecord; encoded: string } {
  const key = world.runnerKey();
  const runner: RunnerRecord = {
    id: world.nextId('runner'), name: spec.name, scope: spec.scope, owner: spec.owner, groupId: spec.groupId,
    labels: spec.labels, clientId: randomUUID(), publicKey: key.publicKey, ephemeral: spec.ephemeral ?? true,
    status: 'offline', busy: false, state: 'registered',
    ...(spec.scaleSetId !== undefined ? { scaleSetId: spec.scaleSetId } : {}),
  };
  world.runners.set(runner.id, runner);
  const dotRunner = {
    agentId: runner.id, agentName: runner.name, poolId: spec.groupId, poolName: spec.groupId === 1 ? 'Default' : `group-${spec.groupId}`,
    serverUrl: `${world.baseUrl}/_pipelines/`, serverUrlV2: brokerUrl(world), gitHubUrl: `${world.baseUrl}/${spec.scope.replace(/^(orgs|repos)\//, '')}`,
    workFolder: spec.workFolder ?? '_work', useV2Flow: true, ephemeral: runner.ephemeral, disableUpdate: true,
  };
  const credentials = { scheme: 'OAuth', data: { clientId: runner.clientId, authorizationUrl: oauthUrl(world), requireFipsCryptography: 'False' } };
  const files = {
    '.runner': b64(JSON.stringify(dotRunner)),
    '.credentials': b64(JSON.stringify(credentials)),
    '.credentials_rsaparams': b64(JSON.stringify(key.rsaParams)),
  };
  return { runner, encoded: b64(JSON.stringify(files)) };
}

export function runnerJson(r: RunnerRecord): Record<string, unknown> {
  return {
    id: r.id, name: r.name, os: 'Linux', status: r.status, busy: r.busy, ephemeral: r.ephemeral, runner_group_id: r.groupId,
    labels: r.labels.map((name, i) => ({ id: i + 1, name, type: i === 0 ? 'read-only' : 'custom' })),
  };
}
