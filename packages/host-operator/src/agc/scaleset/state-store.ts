/**
 * The write-ahead store of one RunnerGroup's scale-set tier: a ConfigMap `<group>-scaleset-state` (bounded)
 * owned by the RunnerGroup. Keys: `scaleSet` (JSON `{id,name,runnerGroupId}`), `cursor` (the last message id
 * whose effects are stored), `session` (the id of the session this AGC opened, so a successor can delete it
 * after a crash) and one `job.<jobId>` per job (JSON {@link ScaleSetJobRecord}). Every change is one
 * JSON merge patch, so a message's job updates and its cursor land together or not at all. Each patch carries
 * the resourceVersion this writer last saw: a write from a predecessor that was still in flight when it died
 * (or a second AGC) is refused with 409 instead of moving a job back a phase behind its successor's back.
 */
import { Labels, boundedDnsLabel, runnerGroupLabelValue, runnerGroupOwnerReference, shortHash, type Logger } from '@actions-gateway/core';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { kubeCall, orAbsent } from '../ports/kube-call.js';
import { formatJobRecord, parseJobRecord, type ScaleSetJobRecord } from './job-record.js';

/** The scale set a group is bound to. */
export interface ScaleSetRef {
  readonly id: number;
  readonly name: string;
  readonly runnerGroupId: number;
}

/** What the store holds. */
export interface ScaleSetState {
  readonly scaleSet?: ScaleSetRef | undefined;
  readonly cursor: number;
  /** The session the last writer opened (possibly left open by a crash). */
  readonly sessionId?: string | undefined;
  readonly jobs: ReadonlyMap<string, ScaleSetJobRecord>;
}

/** One atomic change: a `null` job removes it. */
export interface ScaleSetStateChange {
  readonly scaleSet?: ScaleSetRef | undefined;
  readonly cursor?: number | undefined;
  /** `null` forgets the session (deleted at GitHub). */
  readonly sessionId?: string | null | undefined;
  readonly jobs?: ReadonlyMap<string, ScaleSetJobRecord | null> | undefined;
}

/** Where the tier persists its state. {@link createConfigMapStateStore} is the AGC's. */
export interface ScaleSetStateStore {
  /** The stored state; empty when nothing is stored yet. Entries that do not parse are logged and skipped. */
  load(): Promise<ScaleSetState>;
  /** Applies a change; resolves once it is stored. */
  write(change: ScaleSetStateChange): Promise<void>;
}

/** The state ConfigMap's name for a RunnerGroup. */
export function scaleSetStateName(groupName: string): string {
  return boundedDnsLabel(`${groupName}-scaleset-state`);
}

/** The ConfigMap data key of a job (its GUID when key-safe, else a hash of it). */
export function jobKey(jobId: string): string {
  return /^[-._a-zA-Z0-9]{1,200}$/.test(jobId) ? `job.${jobId}` : `job.h-${shortHash(jobId)}`;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** How {@link createConfigMapStateStore} is wired. */
export interface ConfigMapStateStoreOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The RunnerGroup: names the ConfigMap and owns it (deleted with the group). */
  readonly group: { readonly name: string; readonly uid: string };
  readonly logger: Logger;
}

function parseScaleSet(text: string | undefined): ScaleSetRef | undefined {
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o.id === 'number' && typeof o.name === 'string' && typeof o.runnerGroupId === 'number') return { id: o.id, name: o.name, runnerGroupId: o.runnerGroupId };
  } catch {
    // reported below
  }
  return undefined;
}

/** Decodes a state ConfigMap's data; `problems` names every key that did not parse. */
export function decodeState(data: Readonly<Record<string, string>>): { state: ScaleSetState; problems: string[] } {
  const problems: string[] = [];
  const scaleSet = parseScaleSet(data.scaleSet);
  if (data.scaleSet !== undefined && !scaleSet) problems.push('scaleSet');
  const cursorText = data.cursor ?? '0';
  const cursor = /^\d{1,15}$/.test(cursorText) ? Number(cursorText) : 0;
  if (cursor === 0 && cursorText !== '0') problems.push('cursor');
  const sessionId = data.session !== undefined && /^[-0-9a-zA-Z]{1,100}$/.test(data.session) ? data.session : undefined;
  if (data.session !== undefined && !sessionId) problems.push('session');
  const jobs = new Map<string, ScaleSetJobRecord>();
  for (const [key, value] of Object.entries(data)) {
    if (!key.startsWith('job.')) continue;
    const record = parseJobRecord(value);
    if (record) jobs.set(record.jobId, record);
    else problems.push(key);
  }
  return { state: { ...(scaleSet && { scaleSet }), cursor, ...(sessionId && { sessionId }), jobs }, problems };
}

/** The merge-patch `data` of a change. */
export function encodeChange(change: ScaleSetStateChange): Record<string, string | null> {
  const data: Record<string, string | null> = {};
  if (change.scaleSet) data.scaleSet = JSON.stringify(change.scaleSet);
  if (change.cursor !== undefined) data.cursor = String(change.cursor);
  if (change.sessionId !== undefined) data.session = change.sessionId;
  for (const [jobId, record] of change.jobs ?? []) data[jobKey(jobId)] = record === null ? null : formatJobRecord(record);
  return data;
}

/** The ConfigMap store on client-node. A change to a missing ConfigMap creates it (owned by the RunnerGroup). */
export function createConfigMapStateStore(options: ConfigMapStateStoreOptions): ScaleSetStateStore {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const { namespace, group, logger } = options;
  const name = scaleSetStateName(group.name);
  // The version this writer last read or wrote; unknown until the first load or write.
  let resourceVersion: string | undefined;
  let writes: Promise<void> = Promise.resolve();
  const create = async (data: Record<string, string | null>): Promise<void> => {
    const body: V1ConfigMap = {
      metadata: {
        name,
        namespace,
        labels: { [Labels.managedBy]: Labels.managedByAgc, [Labels.runnerGroup]: runnerGroupLabelValue(group.name) },
        ownerReferences: [runnerGroupOwnerReference(group)],
      },
      data: Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => e[1] !== null)),
    };
    const created = await kubeCall(() => api.createNamespacedConfigMap({ namespace, body }));
    resourceVersion = created.metadata?.resourceVersion;
  };
  const store: ScaleSetStateStore = {
    async load() {
      const cm = await orAbsent(() => api.readNamespacedConfigMap({ namespace, name }));
      resourceVersion = cm?.metadata?.resourceVersion;
      const { state, problems } = decodeState(cm?.data ?? {});
      if (problems.length > 0) logger.error({ namespace, runner_group: group.name, config_map: name, keys: problems }, 'scale-set state entries do not parse; skipped');
      return state;
    },
    write(change) {
      // One write at a time: this writer's own writes must not fence each other.
      const next = writes.then(() => writeNow(change));
      writes = next.catch(() => undefined);
      return next;
    },
  };
  return store;

  async function writeNow(change: ScaleSetStateChange): Promise<void> {
    const data = encodeChange(change);
    if (Object.keys(data).length === 0) return;
    for (let attempt = 0; ; attempt++) {
      const body = { ...(resourceVersion !== undefined && { metadata: { resourceVersion } }), data };
      let patched: V1ConfigMap | undefined;
      try {
        patched = await orAbsent(() => api.patchNamespacedConfigMap({ namespace, name, body }, mergePatch));
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 409) throw err;
        // Someone else wrote since this writer last looked. Refuse this write (the caller retries while it
        // still runs, and then on the version read here); a dead predecessor's late write ends here.
        const current = await orAbsent(() => api.readNamespacedConfigMap({ namespace, name }));
        resourceVersion = current?.metadata?.resourceVersion;
        throw new Error(`scale-set state ConfigMap ${namespace}/${name} changed under this writer; not overwritten`, { cause: err });
      }
      if (patched) {
        resourceVersion = patched.metadata?.resourceVersion;
        return;
      }
      try {
        await create(data);
        return;
      } catch (err) {
        // Created meanwhile (409): patch it on the next turn.
        if ((err as { statusCode?: number }).statusCode !== 409 || attempt > 0) throw err;
      }
    }
  }
}
