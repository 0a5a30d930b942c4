import { describe, expect, it } from 'vitest';
import {
  BrokerClientError,
  CallGate,
  errorFromResponse,
  metricReason,
  parseBrokerEvent,
  parseRetryAfter,
  parseTimeSpan,
  rateLimitFallbackMs,
  TwoTierBackoff,
  type HttpResponse,
} from '../src/index.js';
import { ManualClock } from './support/clocks.js';

const res = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers,
  text: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  it('reads delta-seconds (fractional too) and HTTP-dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
  it('falls back to 5 s doubling to 5 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(rateLimitFallbackMs)).toEqual([5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000]);
  });
});

describe('two-tier back-off', () => {
  it('waits 15–30 s for five errors, then 30–60 s, and resets on success', () => {
    const low = new TwoTierBackoff(() => 0);
    const high = new TwoTierBackoff(() => 0.999);
    const lows = Array.from({ length: 7 }, () => low.next());
    const highs = Array.from({ length: 7 }, () => high.next());
    expect(lows).toEqual([15000, 15000, 15000, 15000, 15000, 30000, 30000]);
    expect(highs.slice(0, 5).every((d) => d >= 29_900 && d < 30_000)).toBe(true);
    expect(highs.slice(5).every((d) => d >= 59_900 && d < 60_000)).toBe(true);
    low.reset();
    expect(low.next()).toBe(15000);
  });
});

describe('CallGate', () => {
  it('holds calls to the floor, Retry-After and the back-off, through the injected clock', async () => {
    const clock = new ManualClock();
    const gate = new CallGate({ clock, random: () => 0 });
    const t0 = clock.now();
    await gate.enter();
    let entered = false;
    const second = gate.enter().then(() => (entered = true));
    await clock.advance(99);
    expect(entered).toBe(false);
    await clock.advance(1);
    await second;
    expect(clock.now() - t0).toBe(100);
    gate.failed(errorFromResponse('getMessage', 'poll', res(429, '', { 'retry-after': '12' }), clock.now()));
    expect(gate.notBefore - clock.now()).toBe(12_000);
    gate.failed(errorFromResponse('getMessage', 'poll', res(429, ''), clock.now()));
    gate.succeeded();
    gate.failed(errorFromResponse('getMessage', 'poll', res(503, 'upstream connect error'), clock.now()));
    expect(gate.notBefore - clock.now()).toBe(15_000);
  });
});

describe('error classification', () => {
  it('trusts errorKind over status', () => {
    expect(errorFromResponse('getMessage', 'poll', res(403, { source: 'actions-broker-listener', errorKind: 'RunnerVersionTooOld', statusCode: 403, errorMessage: 'Runner version v2.1.0 is deprecated' }), 0)).toMatchObject({
      kind: 'version_too_old',
      source: 'broker',
      errorKind: 'RunnerVersionTooOld',
      retriable: false,
    });
    expect(errorFromResponse('getMessage', 'poll', res(403, 'Forbidden'), 0).kind).toBe('forbidden');
    expect(errorFromResponse('createSession', 'createSession', res(400, { message: 'runner version too old' }), 0).kind).toBe('version_too_old');
    expect(errorFromResponse('getMessage', 'poll', res(404, { errorKind: 'RunnerNotFound' }), 0).kind).toBe('runner_not_found');
    expect(errorFromResponse('getMessage', 'poll', res(410, ''), 0).kind).toBe('session_invalid');
    expect(errorFromResponse('x', 'admin', res(401, { typeName: 'InvalidTokenException', message: 'expired' }), 0)).toMatchObject({ kind: 'unauthorized', source: 'actions-service' });
    expect(errorFromResponse('runnerOAuth', 'oauth', res(400, { error: 'invalid_client', error_description: 'gone' }), 0)).toMatchObject({ kind: 'invalid_client', source: 'oauth' });
    expect(errorFromResponse('renewJob', 'renewOrComplete', res(401, { source: 'actions-run-service', statusCode: 401, errorMessage: 'Not authorized for this job' }), 0)).toMatchObject({
      kind: 'unauthorized',
      source: 'run-service',
      serverMessage: 'Not authorized for this job',
    });
    expect(errorFromResponse('installationToken', 'appToken', res(401, { message: 'A JSON web token could not be decoded' }), 0).message).toMatch(/revoked\/expired/);
  });

  it('maps onto the seed metric reasons', () => {
    const acquire = (status: number): string => metricReason(errorFromResponse('acquireJob', 'acquire', res(status, { source: 'actions-run-service' }), 0));
    expect(acquire(409)).toBe('already_claimed');
    expect(acquire(404)).toBe('delivery_window_expired');
    expect(acquire(422)).toBe('other');
    expect(metricReason(errorFromResponse('getMessage', 'poll', res(429, ''), 0))).toBe('rate_limited');
    expect(metricReason(new BrokerClientError('timeout', 't', { operation: 'getMessage' }))).toBe('timeout');
    expect(metricReason(new Error('x'))).toBe('other');
  });
});

describe('broker messages', () => {
  it('types every known message and surfaces unknown ones', () => {
    expect(parseBrokerEvent(1, 'RunnerJobRequest', '{"runner_request_id":123,"run_service_url":"https://r/1/","should_acknowledge":true,"billing_owner_id":"b"}')).toEqual({
      type: 'RunnerJobRequest',
      messageId: 1,
      runnerRequestId: '123',
      runServiceUrl: 'https://r/1/',
      shouldAcknowledge: true,
      billingOwnerId: 'b',
    });
    expect(parseBrokerEvent(2, 'JobCancellation', '{"jobId":"g","timeout":"00:05:00"}')).toEqual({ type: 'JobCancellation', messageId: 2, jobId: 'g', timeoutMs: 300_000 });
    expect(parseBrokerEvent(3, 'BrokerMigration', '{"brokerBaseUrl":"https://b2/"}')).toMatchObject({ type: 'BrokerMigration', brokerBaseUrl: 'https://b2/' });
    expect(parseBrokerEvent(4, 'ForceTokenRefresh', '')).toEqual({ type: 'ForceTokenRefresh', messageId: 4 });
    expect(parseBrokerEvent(5, 'RunnerRefresh', '{"target_version":"2.400.0"}')).toMatchObject({ type: 'RunnerRefresh', targetVersion: '2.400.0' });
    expect(parseBrokerEvent(6, 'RunnerShutdown', '{"reason":"x"}')).toEqual({ type: 'unknown', messageId: 6, messageType: 'RunnerShutdown', body: '{"reason":"x"}' });
    expect(() => parseBrokerEvent(7, 'RunnerJobRequest', '{"runner_request_id":1}')).toThrow(/has no "run_service_url"/);
    expect(() => parseBrokerEvent(8, 'RunnerJobRequest', '{oops')).toThrow(BrokerClientError);
    expect(parseTimeSpan('1.02:03:04.5')).toBe(((24 + 2) * 3600 + 3 * 60 + 4) * 1000 + 500);
  });
});
