import { describe, expect, it } from 'vitest';
import { assessAdmission, checkAdmission, decideCeiling, podResourceNeeds, type LimitRange, type ResourceQuota } from '../../src/index.js';
import { ManualClock } from '../provisioner/support/manual-clock.js';
import { InMemoryKubernetes } from '../provisioner/support/in-memory-kubernetes.js';
import { testGroup } from '../provisioner/support/fixtures.js';

const tiers = [
  { priorityClassName: 'ci-high', threshold: 5 },
  { priorityClassName: 'ci-mid', threshold: 20 },
  { priorityClassName: 'ci-low', threshold: 30 },
];

const quota = (hard: Record<string, string>, used: Record<string, string> = {}, scopes?: string[]): ResourceQuota => ({
  metadata: { name: 'compute' },
  spec: { hard, ...(scopes ? { scopes } : {}) },
  status: { hard, used },
});

describe('ceiling and priority tiers', () => {
  it.each([
    [0, 'ci-high'],
    [4, 'ci-high'],
    [5, 'ci-mid'],
    [19, 'ci-mid'],
    [20, 'ci-low'],
    [29, 'ci-low'],
  ])('with %i active pods the next pod gets %s', (active, cls) => {
    const d = decideCeiling(active, { priorityTiers: tiers });
    expect(d).toMatchObject({ held: false, priorityClassName: cls, room: 30 - active });
  });

  it.each([30, 31, 100])('with %i active pods every tier is full: held (tier)', (active) => {
    expect(decideCeiling(active, { priorityTiers: tiers })).toMatchObject({ held: true, reason: 'tier', room: 0 });
  });

  it.each([
    [undefined, 1000, false, Number.POSITIVE_INFINITY],
    [3, 0, false, 3],
    [3, 2, false, 1],
    [3, 3, true, 0],
    [3, 7, true, 0],
  ])('maxWorkers %s, %i active → held %s, room %s', (maxWorkers, active, held, room) => {
    const d = decideCeiling(active, { maxWorkers });
    expect(d.held).toBe(held);
    expect(d.room).toBe(room);
    if (d.held) expect(d.reason).toBe('ceiling');
  });

  it('maxWorkers holds before the tiers are consulted', () => {
    expect(decideCeiling(10, { maxWorkers: 10, priorityTiers: tiers })).toMatchObject({ held: true, reason: 'ceiling' });
  });
});

describe('quota headroom for the pod the job would get', () => {
  const group = testGroup();
  it.each([
    // hard, used, admit, capacity
    [{ pods: '10' }, { pods: '9' }, true, 1],
    [{ pods: '10' }, { pods: '10' }, false, 0],
    [{ 'requests.cpu': '2' }, { 'requests.cpu': '1' }, true, 2],
    [{ 'requests.cpu': '2' }, { 'requests.cpu': '1600m' }, false, 0],
    [{ 'limits.memory': '4Gi' }, { 'limits.memory': '2Gi' }, true, 2],
    [{ 'limits.memory': '4Gi' }, { 'limits.memory': '3.5Gi' }, false, 0],
    [{ cpu: '1', memory: '8Gi' }, {}, true, 2],
    [{ 'requests.nvidia.com/gpu': '1' }, { 'requests.nvidia.com/gpu': '1' }, true, Number.POSITIVE_INFINITY],
    [{ 'limits.cpu': '100', pods: '3' }, { pods: '1' }, true, 2],
  ])('hard %j used %j → admit %s, capacity %s', (hard, used, admit, capacity) => {
    const a = assessAdmission({ group, activePods: 0, quotas: [quota(hard, used)], limitRanges: [] });
    expect(a.decision.admit).toBe(admit);
    expect(a.capacity).toBe(capacity);
    if (!a.decision.admit) {
      expect(a.decision.reason).toBe('quota');
      expect(a.decision.detail).toContain('ResourceQuota compute');
    }
  });

  it('counts a GPU the template requests', () => {
    const gpu = testGroup({ podTemplate: { spec: { containers: [{ name: 'runner', resources: { limits: { 'nvidia.com/gpu': '1', cpu: '1', memory: '1Gi' } } }] } } });
    const full = assessAdmission({ group: gpu, activePods: 0, quotas: [quota({ 'requests.nvidia.com/gpu': '2' }, { 'requests.nvidia.com/gpu': '2' })], limitRanges: [] });
    expect(full.decision).toMatchObject({ admit: false, reason: 'quota' });
    const room = assessAdmission({ group: gpu, activePods: 0, quotas: [quota({ 'requests.nvidia.com/gpu': '2' }, { 'requests.nvidia.com/gpu': '1' })], limitRanges: [] });
    expect(room).toMatchObject({ decision: { admit: true }, capacity: 1 });
  });

  it('applies LimitRange defaults to what the template leaves out (init containers included)', () => {
    const limitRanges: LimitRange[] = [{ spec: { limits: [{ type: 'Container', default: { cpu: '2', memory: '512Mi' }, defaultRequest: { cpu: '1' } }] } }];
    const spec = {
      containers: [{ name: 'runner', resources: { requests: { memory: '1Gi' } } }],
      initContainers: [{ name: 'init' }],
    };
    const needs = podResourceNeeds(spec, limitRanges);
    // runner: requests cpu 1 (defaultRequest), memory 1Gi; limits cpu 2, memory 512Mi. init: requests cpu 1 memory 512Mi (from its limit).
    expect(needs.requests.get('cpu')).toBe(1_000_000_000n);
    expect(needs.requests.get('memory')).toBe(BigInt(2 ** 30) * 1_000_000_000n);
    expect(needs.limits.get('cpu')).toBe(2_000_000_000n);
  });

  it('takes the largest init container when it exceeds the sum of the containers', () => {
    const needs = podResourceNeeds({
      containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }, { name: 'b', resources: { requests: { cpu: '100m' } } }],
      initContainers: [{ name: 'big', resources: { requests: { cpu: '1' } } }],
    });
    expect(needs.requests.get('cpu')).toBe(1_000_000_000n);
  });

  it('refuses when a quota tracks a resource a container does not set', () => {
    const init = testGroup({ podTemplate: { spec: { containers: [{ name: 'runner' }], initContainers: [{ name: 'setup' }] } } });
    const a = assessAdmission({ group: init, activePods: 0, quotas: [quota({ 'limits.cpu': '10' })], limitRanges: [] });
    expect(a.decision).toMatchObject({ admit: false, reason: 'quota' });
    expect(!a.decision.admit && a.decision.detail).toMatch(/limits\.cpu/);
  });

  it('ignores quotas whose scope excludes worker pods (they carry activeDeadlineSeconds)', () => {
    const a = assessAdmission({ group, activePods: 0, quotas: [quota({ pods: '0' }, {}, ['NotTerminating'])], limitRanges: [] });
    expect(a.decision.admit).toBe(true);
  });

  it('a template quantity that does not parse is refused with the field named, not thrown', () => {
    const bad = testGroup({ podTemplate: { spec: { containers: [{ name: 'runner', resources: { limits: { cpu: 'lots' } } }] } } });
    const a = assessAdmission({ group: bad, activePods: 0, quotas: [], limitRanges: [] });
    expect(a.decision).toMatchObject({ admit: false, reason: 'quota' });
    expect(!a.decision.admit && a.decision.detail).toMatch(/containers\[runner\]\.resources\.(requests|limits)\.cpu.*"lots"/);
  });
});

describe('the admission decision', () => {
  it.each([
    ['ceiling', { maxWorkers: 2 }, 2, [], { admit: false, reason: 'ceiling' }, 0],
    ['tier', { priorityTiers: tiers }, 30, [], { admit: false, reason: 'tier' }, 0],
    ['quota', {}, 0, [quota({ pods: '1' }, { pods: '1' })], { admit: false, reason: 'quota' }, 0],
    ['tier class', { priorityTiers: tiers }, 6, [quota({ pods: '100' }, { pods: '6' })], { admit: true, priorityClassName: 'ci-mid' }, 24],
    ['quota is the tighter bound', { maxWorkers: 10 }, 2, [quota({ 'requests.memory': '4Gi' }, { 'requests.memory': '2Gi' })], { admit: true }, 2],
    ['ceiling is the tighter bound', { maxWorkers: 3 }, 2, [quota({ pods: '50' })], { admit: true }, 1],
  ] as const)('%s', (_name, settings, active, quotas, decision, capacity) => {
    const a = assessAdmission({ group: testGroup(settings), activePods: active, quotas: [...quotas], limitRanges: [] });
    expect(a.decision).toMatchObject(decision);
    expect(a.capacity).toBe(capacity);
  });

  it('reads the live snapshot through the port: active pods, quotas, limit ranges', async () => {
    const kube = new InMemoryKubernetes(new ManualClock());
    const group = testGroup({ maxWorkers: 2 });
    kube.quotas = [quota({ pods: '10' })];
    const pod = (name: string) => ({ metadata: { name, labels: { 'actions-gateway/runner-group': 'linux', 'actions-gateway/component': 'workload' } }, spec: { containers: [] } });
    await kube.createPod('tenant', pod('a'));
    expect(await checkAdmission(kube, group)).toMatchObject({ decision: { admit: true }, capacity: 1 });
    await kube.createPod('tenant', pod('b'));
    expect(await checkAdmission(kube, group)).toMatchObject({ decision: { admit: false, reason: 'ceiling' }, capacity: 0 });
    kube.setPhase('a', 'Succeeded');
    expect(await checkAdmission(kube, group)).toMatchObject({ decision: { admit: true }, capacity: 1 });
  });
});
