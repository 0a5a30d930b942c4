// withoutManagedFields: the informer transform the AGC caches RunnerGroups and worker pods through.
import { describe, expect, it } from 'vitest';
import { withoutManagedFields, type KubeObject } from '../../src/runtime/object.js';

describe('withoutManagedFields', () => {
  it('drops metadata.managedFields and keeps everything else, without touching the input', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'w', namespace: 'ns', resourceVersion: '7', labels: { a: 'b' }, managedFields: [{ manager: 'agc', operation: 'Apply' }] },
      status: { phase: 'Running' },
    } as KubeObject;
    const out = withoutManagedFields(obj);
    expect(out).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'w', namespace: 'ns', resourceVersion: '7', labels: { a: 'b' } }, status: { phase: 'Running' } });
    expect(obj.metadata).toHaveProperty('managedFields');
  });

  it('returns an object without managedFields as it is', () => {
    const obj: KubeObject = { metadata: { name: 'x' } };
    expect(withoutManagedFields(obj)).toBe(obj);
  });
});
