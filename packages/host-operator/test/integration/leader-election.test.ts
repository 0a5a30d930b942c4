// Two electors on one Lease of the testkit API server, over real HTTP with short real timings.
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/index.js';
import { waitFor } from '../support/scripted-watch-server.js';

const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
let server: ApiServer;
const electors: LeaderElector[] = [];

beforeEach(async () => {
  server = await startApiServer({ kubelet: false, controllers: false });
});
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
  await server.close();
});

function elector(identity: string, releaseOnStop = true): { e: LeaderElector; led: () => number; lost: () => number } {
  let led = 0;
  let lost = 0;
  const e = new LeaderElector({
    kubeConfig: server.kubeConfig,
    namespace: 'default',
    leaseName: 'actions-gateway-gmc-leader',
    identity,
    releaseOnStop,
    ...timings,
    onStartedLeading: () => led++,
    onStoppedLeading: (reason) => {
      if (reason === 'lost') lost++;
    },
  });
  electors.push(e);
  e.start();
  return { e, led: () => led, lost: () => lost };
}

describe('LeaderElector', () => {
  it('exactly one of two leads, with a six-digit MicroTime renewTime', async () => {
    const a = elector('a');
    const b = elector('b');
    await waitFor(() => a.e.isLeader() || b.e.isLeader(), 3000, 'a leader');
    await new Promise((r) => setTimeout(r, 1000));
    expect([a.e.isLeader(), b.e.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(a.led() + b.led()).toBe(1);
    const raw = server.store.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'actions-gateway-gmc-leader' }) as { spec: { renewTime: string; holderIdentity: string; leaseDurationSeconds: number } } | undefined;
    expect(raw?.spec.renewTime).toMatch(/\.\d{6}Z$/);
    expect(raw?.spec.holderIdentity).toBe(a.e.isLeader() ? 'a' : 'b');
  });

  it('the other takes over within the lease duration when the leader dies without releasing', async () => {
    const a = elector('a', false);
    await waitFor(() => a.e.isLeader(), 3000, 'a leads');
    const b = elector('b');
    await new Promise((r) => setTimeout(r, 500));
    expect(b.e.isLeader()).toBe(false);
    const stoppedAt = Date.now();
    await a.e.stop();
    await waitFor(() => b.e.isLeader(), 4000, 'b takes over');
    const took = Date.now() - stoppedAt;
    expect(took).toBeGreaterThanOrEqual(timings.leaseDurationMs - 600);
    expect(took).toBeLessThan(timings.leaseDurationMs + 2 * timings.retryPeriodMs + 800);
  });

  it('the other takes over at once when the leader releases on shutdown', async () => {
    const a = elector('a');
    await waitFor(() => a.e.isLeader(), 3000, 'a leads');
    const b = elector('b');
    await new Promise((r) => setTimeout(r, 300));
    const stoppedAt = Date.now();
    await a.e.stop();
    await waitFor(() => b.e.isLeader(), 3000, 'b takes over');
    expect(Date.now() - stoppedAt).toBeLessThan(timings.leaseDurationMs);
  });

  it('stops leading when it cannot renew within the renew deadline', async () => {
    const a = elector('a');
    await waitFor(() => a.e.isLeader(), 3000, 'a leads');
    server.faults.inject({ resource: 'leases', error: 500 });
    await waitFor(() => a.lost() === 1, 3000, 'a stops leading');
    expect(a.e.isLeader()).toBe(false);
  });
});
