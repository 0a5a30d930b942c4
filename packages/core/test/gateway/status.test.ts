import { describe, expect, it } from 'vitest';
import { computeGatewayStatus, findCondition, type ObservedGateway } from '../../src/index.js';

const t0 = new Date('2026-11-24T10:00:00Z');
const t1 = new Date('2026-11-24T10:05:00Z');
const base: ObservedGateway = {
  generation: 4,
  namespace: 'team-a',
  secretName: 'app',
  secretFound: true,
  proxyMinReplicas: 2,
  proxyReadyReplicas: 2,
  agcReadyReplicas: 1,
  now: t0,
};

const summary = (r: ReturnType<typeof computeGatewayStatus>): Record<string, string> =>
  Object.fromEntries((r.status.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('computeGatewayStatus', () => {
  it('is Ready when proxy and AGC are available', () => {
    const r = computeGatewayStatus(base);
    expect(r.ready).toBe(true);
    expect(r.requeueAfterMs).toBeUndefined();
    expect(summary(r)).toEqual({
      InvalidSpec: 'False/SpecValid',
      CredentialUnavailable: 'False/SecretFound',
      ProxyAvailable: 'True/ProxyReady',
      AGCAvailable: 'True/AGCReady',
      Ready: 'True/AllAvailable',
    });
    expect(r.status.observedGeneration).toBe(4);
    expect(r.status.proxyReadyReplicas).toBe(2);
    expect(r.status.conditions?.every((c) => c.observedGeneration === 4)).toBe(true);
    expect(findCondition(r.status.conditions, 'ProxyAvailable')?.message).toBe('2/2 proxy pods ready');
  });

  it('a missing Secret gives CredentialUnavailable and Ready=False, requeue 30s', () => {
    const r = computeGatewayStatus({ ...base, secretFound: false, proxyReadyReplicas: undefined, agcReadyReplicas: undefined });
    expect(summary(r)).toMatchObject({ CredentialUnavailable: 'True/SecretNotFound', Ready: 'False/CredentialUnavailable' });
    expect(findCondition(r.status.conditions, 'Ready')?.message).toBe('Secret "app" not found in namespace "team-a"');
    expect(r.requeueAfterMs).toBe(30_000);
  });

  it('an invalid spec gives InvalidSpec=True and Ready=False with the message', () => {
    const r = computeGatewayStatus({ ...base, invalidSpecMessage: 'spec.gitHubURL must use the https scheme [url]' });
    expect(summary(r)).toMatchObject({ InvalidSpec: 'True/InvalidSpec', Ready: 'False/InvalidSpec' });
    expect(findCondition(r.status.conditions, 'Ready')?.message).toContain('spec.gitHubURL');
  });

  it('waits for the proxy and AGC with requeue 15s', () => {
    const r = computeGatewayStatus({ ...base, proxyReadyReplicas: 1, agcReadyReplicas: 0 });
    expect(summary(r)).toMatchObject({ ProxyAvailable: 'False/ProxyNotReady', AGCAvailable: 'False/AGCNotReady', Ready: 'False/Provisioning' });
    expect(r.requeueAfterMs).toBe(15_000);
  });

  it('clears conditions when the cause goes away and keeps transition times when nothing changes', () => {
    const missing = computeGatewayStatus({ ...base, secretFound: false, now: t0 });
    const back = computeGatewayStatus({ ...base, conditions: missing.status.conditions, now: t1 });
    expect(summary(back)).toMatchObject({ CredentialUnavailable: 'False/SecretFound', Ready: 'True/AllAvailable' });
    expect(findCondition(back.status.conditions, 'CredentialUnavailable')?.lastTransitionTime).toBe('2026-11-24T10:05:00Z');
    expect(findCondition(back.status.conditions, 'ProxyAvailable')?.lastTransitionTime).toBe('2026-11-24T10:00:00Z');
    const invalid = computeGatewayStatus({ ...base, invalidSpecMessage: 'bad', conditions: back.status.conditions, now: t1 });
    const fixed = computeGatewayStatus({ ...base, conditions: invalid.status.conditions, now: t1 });
    expect(summary(fixed)).toMatchObject({ InvalidSpec: 'False/SpecValid', Ready: 'True/AllAvailable' });
  });
});
