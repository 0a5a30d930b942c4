import { describe, expect, it } from 'vitest';
import { buildWorkerPod, decideOrphanedPod, type Pod } from '../../src/index.js';
import { testGroup } from '../provisioner/support/fixtures.js';

const group = testGroup();
const built = (runId?: string, repository?: string): Pod => buildWorkerPod(group, { planId: 'plan-7', runId, repository });

describe('decideOrphanedPod (after an AGC restart)', () => {
  it('re-runs an evicted pod from the run recorded on it', () => {
    const pod = { ...built('555', 'octo/widgets'), status: { phase: 'Failed', reason: 'Evicted' } };
    expect(decideOrphanedPod(pod, group)).toEqual({
      rerun: true,
      outcome: { kind: 'disrupted', cause: 'evicted', detail: 'evicted by the kubelet' },
      request: { run: { owner: 'octo', repo: 'widgets', runId: '555' }, group: { namespace: 'tenant', name: 'linux' }, maxEvictionRetries: 2, evictionRetryDelayMs: 5_000, planId: 'plan-7' },
    });
  });

  it.each<[string, Pod]>([
    ['succeeded', { ...built('555', 'octo/widgets'), status: { phase: 'Succeeded' } }],
    ['failed on its own', { ...built('555', 'octo/widgets'), status: { phase: 'Failed', reason: 'Error' } }],
    ['no run id recorded', { ...built(undefined, 'octo/widgets'), status: { phase: 'Failed', reason: 'Evicted' } }],
    ['no repository recorded', { ...built('555'), status: { phase: 'Failed', reason: 'Evicted' } }],
  ])('does not re-run: %s', (_name, pod) => {
    expect(decideOrphanedPod(pod, group).rerun).toBe(false);
  });
});
