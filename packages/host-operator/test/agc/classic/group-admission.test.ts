// Claim only what fits, under a burst: reservations asked for at the same moment are served from one live
// snapshot (one read of quotas and limits, not one per session), never more than the room, in arrival order;
// a released slot is taken by the next request.
import { applyRunnerGroupDefaults, resolveProvisionerGroup, systemClock, type KubernetesPort } from '@actions-gateway/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { GroupAdmission, type Reserved } from '../../../src/agc/classic/group-admission.js';
import { LABELS, NAMESPACE, startClassicEnv, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv;
beforeEach(async () => {
  env = await startClassicEnv({ kubelet: false });
});
afterEach(async () => env.close());

function admissionFor(maxWorkers: number, port: KubernetesPort = env.port): { admission: GroupAdmission; quotaReads: () => number } {
  const runnerGroup = applyRunnerGroupDefaults({
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'RunnerGroup',
    metadata: { name: 'linux', namespace: NAMESPACE, uid: 'u1' },
    spec: { acquisitionProtocol: 'Classic', maxWorkers, runnerLabels: LABELS, podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
  });
  const group = resolveProvisionerGroup(runnerGroup, { securityProfile: 'restricted', proxy: { httpsProxy: 'http://egress.ci.svc:8080' } });
  // The real port, counting its quota reads.
  let reads = 0;
  const kube: KubernetesPort = { ...port, listResourceQuotas: (ns) => (reads++, port.listResourceQuotas(ns)) };
  return { admission: new GroupAdmission(kube, () => group, systemClock), quotaReads: () => reads };
}

const refusal = (r: Reserved | undefined): string => (r && r.reservation === undefined ? r.detail : '(granted)');
const granted = (all: readonly Reserved[]): number => all.filter((r) => r.reservation !== undefined).length;

it('serves the reservations asked for together from one snapshot, never more than the room', async () => {
  const { admission, quotaReads } = admissionFor(3);
  const first = await Promise.all(Array.from({ length: 5 }, () => admission.reserve()));
  expect(first.map((r) => r.reservation !== undefined)).toEqual([true, true, true, false, false]);
  expect(refusal(first[3])).toContain('3 slot(s) taken by jobs claimed at the same moment');
  expect(quotaReads()).toBe(1);

  // The three claims count against the room until their pods show: nothing more fits.
  const later = await Promise.all([admission.reserve(), admission.reserve()]);
  expect(granted(later)).toBe(0);
  expect(refusal(later[0])).toContain('3 claimed job(s) of this group take the remaining room');
  expect((await admission.roomSoon()).capacity).toBe(0);

  // A claim ends: exactly one more fits.
  first[0]!.reservation!.release();
  const after = await Promise.all([admission.reserve(), admission.reserve(), admission.reserve()]);
  expect(granted(after)).toBe(1);
  expect(after[0].reservation).toBeDefined();
});

it('rejects every request of a batch whose snapshot cannot be read, and serves the next batch', async () => {
  let failNext = true;
  const { admission: flaky } = admissionFor(2, {
    ...env.port,
    listLimitRanges: (ns) => (failNext ? ((failNext = false), Promise.reject(new Error('limitranges is forbidden'))) : env.port.listLimitRanges(ns)),
  });
  const failed = await Promise.allSettled([flaky.reserve(), flaky.reserve()]);
  expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect((failed[0] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
  const next = await Promise.all([flaky.reserve(), flaky.reserve(), flaky.reserve()]);
  expect(granted(next)).toBe(2);
});
