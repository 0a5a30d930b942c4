// The state ConfigMap is fenced by resourceVersion: a writer that did not see its successor's write (a dead
// predecessor's late request, a second AGC) is refused and changes nothing; the live writer's own writes,
// however many at once, never fence each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@actions-gateway/core';
import { startApiServer, type ApiServer } from '@actions-gateway/testkit';
import { createConfigMapStateStore } from '../../../src/agc/scaleset/state-store.js';
import type { ScaleSetJobRecord } from '../../../src/agc/scaleset/job-record.js';

let server: ApiServer;
beforeAll(async () => {
  server = await startApiServer();
});
afterAll(async () => {
  await server?.close();
});

const record = (jobId: string, phase: ScaleSetJobRecord['phase']): ScaleSetJobRecord => ({ jobId, runnerRequestId: 1, phase, assignedAt: '2026-11-24T00:00:00.000Z' });
const storeFor = (group: string) => createConfigMapStateStore({ kubeConfig: server.kubeConfig, namespace: 'default', group: { name: group, uid: 'uid-1' }, logger: silentLogger });

describe('scale-set state fencing', () => {
  it("refuses a predecessor's write that lands after its successor's", async () => {
    const predecessor = storeFor('fenced');
    await predecessor.write({ cursor: 1, jobs: new Map([['job-1', record('job-1', 'assigned')]]) });
    const successor = storeFor('fenced');
    expect((await successor.load()).jobs.get('job-1')?.phase).toBe('assigned');
    await successor.write({ cursor: 2, jobs: new Map([['job-1', null]]) });
    await expect(predecessor.write({ cursor: 1, jobs: new Map([['job-1', record('job-1', 'started')]]) })).rejects.toThrow(/changed under this writer/);
    const after = await successor.load();
    expect(after.cursor).toBe(2);
    expect(after.jobs.has('job-1')).toBe(false);
  });

  it("serialises one writer's concurrent writes instead of fencing them", async () => {
    const store = storeFor('busy');
    await store.load();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.write({ cursor: i + 1, jobs: new Map([[`job-${i}`, record(`job-${i}`, 'assigned')]]) })));
    const state = await storeFor('busy').load();
    expect(state.jobs.size).toBe(20);
    expect(state.cursor).toBe(20);
  });
});
