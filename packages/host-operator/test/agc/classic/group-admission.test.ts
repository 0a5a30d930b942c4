// GroupAdmission against the testkit API server: a claim reads the namespace's quota afresh, while the check
// before each poll may reuse a read up to POLL_ADMISSION_REUSE_MS old, shared by every group of the namespace.
import { applyRunnerGroupDefaults, resolveProvisionerGroup, type RunnerGroup } from '@actions-gateway/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { GroupAdmission, POLL_ADMISSION_REUSE_MS } from '../../../src/agc/classic/group-admission.js';
import { LABELS, NAMESPACE, startClassicEnv, type ClassicEnv } from './support/classic-env.js';
import { TestClock } from './support/test-clock.js';

let env: ClassicEnv;
beforeEach(async () => {
  env = await startClassicEnv({ kubelet: false });
});
afterEach(async () => env.close());

const groupNamed = (name: string) => {
  const runnerGroup = applyRunnerGroupDefaults({
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'RunnerGroup',
    metadata: { name, namespace: NAMESPACE, uid: `uid-${name}` },
    spec: { acquisitionProtocol: 'Classic', runnerLabels: LABELS, podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
  } as unknown as RunnerGroup);
  return resolveProvisionerGroup(runnerGroup, { securityProfile: 'restricted', proxy: { httpsProxy: 'http://egress.ci.svc:8080' } });
};

it('decides claims on a fresh quota read, and polls on one reused for a second across the namespace\'s groups', async () => {
  const clock = new TestClock();
  const linux = groupNamed('linux');
  const arm = groupNamed('arm');
  const a = new GroupAdmission(env.port, () => linux, clock);
  const b = new GroupAdmission(env.port, () => arm, clock);
  const first = await a.roomToPoll();
  expect(first, JSON.stringify(first)).toMatchObject({ detail: '' });
  expect(first.capacity).toBeGreaterThan(0);

  // The namespace runs out of pod quota.
  await env.core.createNamespacedResourceQuota({ namespace: NAMESPACE, body: { metadata: { name: 'pods' }, spec: { hard: { pods: '0' } } } });
  expect((await a.room()).capacity).toBe(0); // a claim sees it at once
  const reserved = await b.reserve();
  expect(reserved.reservation).toBeUndefined();
  // Before a poll, both groups may still go on the read taken a moment ago (one read for the namespace).
  expect((await a.roomToPoll()).capacity).toBeGreaterThan(0);
  expect((await b.roomToPoll()).capacity).toBeGreaterThan(0);

  await clock.advance(POLL_ADMISSION_REUSE_MS);
  const room = await b.roomToPoll();
  expect(room.capacity).toBe(0);
  expect(room.detail).toContain('pods');
});
