// The sandbox premise: one ManualClock drives the API server's kubelet and the fake GitHub's timers together.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, startApiServer, startFakeGitHub, type ApiServer, type FakeGitHub } from '../src/index.js';
import { until } from './apiserver/kubectl.js';

let server: ApiServer | undefined;
let gh: FakeGitHub | undefined;
afterEach(async () => {
  await server?.close();
  await gh?.close();
  server = gh = undefined;
});

describe('one clock for both fakes', () => {
  it('a single advance moves the kubelet and the fake GitHub along the same time line', async () => {
    const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
    server = await startApiServer({ clock, kubelet: { startDelayMs: 1000 } });
    gh = await startFakeGitHub({ clock, profile: 'fast' });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } } });
    await until(() => s.store.list('v1', 'Pod', 'default').some((p) => (p.spec as { nodeName?: string }).nodeName === 'testkit-node'), 'scheduling');
    const created = new Date((await core.readNamespacedPod({ name: 'p', namespace: 'default' })).metadata!.creationTimestamp!).getTime();
    expect(created).toBe(Date.parse('2026-06-01T00:00:00Z'));

    clock.advance(1000);
    expect(gh.control.now()).toBe(Date.parse('2026-06-01T00:00:01Z'));
    expect((await core.readNamespacedPod({ name: 'p', namespace: 'default' })).status?.phase).toBe('Running');
    gh.control.advanceClock(500);
    expect(clock.now()).toBe(Date.parse('2026-06-01T00:00:01.500Z'));
  });
});
