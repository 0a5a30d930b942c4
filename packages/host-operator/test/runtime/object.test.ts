// withoutManagedFields: the informer transform the AGC caches RunnerGroups and worker pods through.
import { describe, expect, it } from 'vitest';
import { metadataOnly, withoutManagedFields, type KubeObject } from '../../src/runtime/object.js';

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

describe('metadataOnly', () => {
  it('keeps apiVersion, kind and metadata without managedFields; drops spec, status and the rest', () => {
    const obj = {
      apiVersion: 'actions-gateway.github.com/v1alpha1',
      kind: 'RunnerGroup',
      metadata: { name: 'rg', namespace: 'ns', uid: 'u', resourceVersion: '9', generation: 2, finalizers: ['f'], managedFields: [{ manager: 'agc' }] },
      spec: { maxListeners: 3, runnerLabels: ['self-hosted'] },
      status: { activeSessions: 1, conditions: [{ type: 'Ready', status: 'True' }] },
    } as KubeObject;
    expect(metadataOnly(obj)).toEqual({
      apiVersion: 'actions-gateway.github.com/v1alpha1',
      kind: 'RunnerGroup',
      metadata: { name: 'rg', namespace: 'ns', uid: 'u', resourceVersion: '9', generation: 2, finalizers: ['f'] },
    });
    expect(obj).toHaveProperty('spec');
    expect(obj.metadata).toHaveProperty('managedFields');
  });

  it('copes with an object without metadata', () => {
    expect(metadataOnly({ kind: 'X' })).toEqual({ kind: 'X' });
  });
});
