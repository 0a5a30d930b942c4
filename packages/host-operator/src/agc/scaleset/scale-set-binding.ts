/**
 * Binds a RunnerGroup to its scale set at GitHub: the one it recorded, else the one of its name that carries
 * its owner label, else a new one. A scale set of that name without the owner label belongs to another
 * tenant (or a hand-made one): a conflict, reported and never adopted.
 */
import { BrokerClientError, type RunnerScaleSet, type ScaleSetAdminClient } from '@actions-gateway/broker-client';
import { RUNNER_GROUP_ENTRY_LABEL, boundedDnsLabel, shortHash, type RunnerGroup } from '@actions-gateway/core';
import type { ScaleSetRef } from './state-store.js';

/** The scale-set API's name limit. */
const MAX_SCALE_SET_NAME = 45;

/**
 * The scale set's name, which is the `runs-on` target: the `spec.runnerGroups[].name` the group was made
 * from (its entry label), else the object name; made to fit 45 characters with a hash when longer.
 */
export function scaleSetName(group: RunnerGroup): string {
  const entry = group.metadata.labels?.[RUNNER_GROUP_ENTRY_LABEL];
  const raw = entry !== undefined && entry !== '' ? entry : (group.metadata.name ?? '');
  return raw.length <= MAX_SCALE_SET_NAME && /^[A-Za-z0-9._-]+$/.test(raw) ? raw : boundedDnsLabel(raw, MAX_SCALE_SET_NAME);
}

/** The label that marks a scale set as this RunnerGroup's (namespace and name make it unique in the org). */
export function ownerLabel(group: RunnerGroup): string {
  return `actions-gateway-${shortHash(`${group.metadata.namespace ?? ''}/${group.metadata.name ?? ''}`)}`;
}

/** The scale set a group wants. */
export interface DesiredScaleSet {
  readonly name: string;
  readonly runnerGroupId: number;
  /** The group's `runnerLabels` and its owner label (the name is always the first label). */
  readonly labels: readonly string[];
  readonly ownerLabel: string;
}

/** How binding ended. */
export type BindResult =
  | { readonly kind: 'bound'; readonly scaleSet: ScaleSetRef; readonly how: 'recorded' | 'adopted' | 'created'; readonly recordedWasDeleted: boolean }
  | { readonly kind: 'conflict'; readonly detail: string };

const toRef = (s: RunnerScaleSet): ScaleSetRef => ({ id: s.id, name: s.name, runnerGroupId: s.runnerGroupId });

/** Finds, adopts or creates the group's scale set. */
export async function bindScaleSet(admin: ScaleSetAdminClient, desired: DesiredScaleSet, recorded: ScaleSetRef | undefined, signal?: AbortSignal): Promise<BindResult> {
  let recordedWasDeleted = false;
  if (recorded) {
    const current = await admin.getScaleSet(recorded.id, signal);
    if (current && current.name === desired.name) return { kind: 'bound', scaleSet: toRef(current), how: 'recorded', recordedWasDeleted };
    recordedWasDeleted = current === undefined;
  }
  const adopt = async (): Promise<BindResult | undefined> => {
    const existing = await admin.getScaleSetByName(desired.runnerGroupId, desired.name, signal);
    if (!existing) return undefined;
    if (existing.labels.includes(desired.ownerLabel)) return { kind: 'bound', scaleSet: toRef(existing), how: 'adopted', recordedWasDeleted };
    return {
      kind: 'conflict',
      detail: `scale set ${JSON.stringify(desired.name)} (id ${existing.id}) in runner group ${desired.runnerGroupId} is not this RunnerGroup's (it lacks label ${desired.ownerLabel}): another tenant of the org uses the name`,
    };
  };
  const found = await adopt();
  if (found) return found;
  try {
    const created = await admin.createScaleSet({ name: desired.name, runnerGroupId: desired.runnerGroupId, labels: [...desired.labels, desired.ownerLabel] }, signal);
    return { kind: 'bound', scaleSet: toRef(created), how: 'created', recordedWasDeleted };
  } catch (err) {
    // Created by someone else between the lookup and the create.
    if (err instanceof BrokerClientError && err.status === 409) return (await adopt()) ?? { kind: 'conflict', detail: `creating scale set ${JSON.stringify(desired.name)}: ${err.message}` };
    throw err;
  }
}
