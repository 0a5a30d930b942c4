import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_IMAGE, DurationError, resolveProvisionerGroup, type RunnerGroup } from '../../src/index.js';

const rg = (spec: Partial<RunnerGroup['spec']> = {}): RunnerGroup => ({
  apiVersion: 'actions-gateway.github.com/v1alpha1',
  kind: 'RunnerGroup',
  metadata: { name: 'linux', namespace: 'tenant', uid: 'u1' },
  spec: { runnerLabels: ['linux'], podTemplate: { spec: { containers: [{ name: 'runner' }] } }, ...spec },
});
const host = { securityProfile: 'baseline' as const, proxy: {} };

describe('resolveProvisionerGroup', () => {
  it('applies the CRD defaults and turns durations into milliseconds', () => {
    expect(resolveProvisionerGroup(rg(), host)).toMatchObject({
      namespace: 'tenant',
      name: 'linux',
      uid: 'u1',
      workerImage: DEFAULT_WORKER_IMAGE,
      maxEvictionRetries: 2,
      evictionRetryDelayMs: 5_000,
      maxQuotaRetries: 5,
      quotaRetryDelayMs: 30_000,
      completedPodTtlMs: 300_000,
      pendingPodDeadlineMs: 600_000,
      maxWorkerLifetimeMs: 43_200_000,
    });
  });

  it('takes the group\'s values, then the AGC\'s WORKER_IMAGE', () => {
    const g = resolveProvisionerGroup(rg({ completedPodTTL: '0s', maxWorkerLifetime: '1h30m', maxWorkers: 4 }), { ...host, workerImage: 'mirror/runner:1' });
    expect(g).toMatchObject({ completedPodTtlMs: 0, maxWorkerLifetimeMs: 5_400_000, maxWorkers: 4, workerImage: 'mirror/runner:1' });
    expect(resolveProvisionerGroup(rg({ workerImage: 'own:2' }), { ...host, workerImage: 'mirror/runner:1' }).workerImage).toBe('own:2');
  });

  it('names the field of a duration that does not parse', () => {
    expect(() => resolveProvisionerGroup(rg({ quotaRetryDelay: 'soon' }), host)).toThrow(DurationError);
    expect(() => resolveProvisionerGroup(rg({ quotaRetryDelay: 'soon' }), host)).toThrow(/quotaRetryDelay/);
  });

  it('names spec.spareAgents when it is out of range (a spec nothing validated)', () => {
    expect(() => resolveProvisionerGroup(rg({ spareAgents: 100 }), host)).not.toThrow();
    for (const bad of [101, -1, 2.5]) {
      expect(() => resolveProvisionerGroup(rg({ spareAgents: bad }), host)).toThrow(`spec.spareAgents: must be a whole number from 0 to 100, got ${bad}`);
    }
  });
});
