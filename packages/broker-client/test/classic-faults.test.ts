// A classic session against a misbehaving server (a purpose-built server, support/scripted-broker.ts, so each
// fault is exact): it must not spin, hang or crash, and every wait goes through the injected clock.
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerClientError, ClassicBrokerSession, decodeJitConfig, systemClock, type Clock, type PollResult } from '../src/index.js';
import { AutoClock } from './support/clocks.js';
import { json, startScriptedBroker, type ScriptedBroker } from './support/scripted-broker.js';

let server: ScriptedBroker | undefined;
afterEach(async () => server?.close());

async function open(clock: Clock, extra: { pollHeadersTimeoutMs?: number; random?: () => number } = {}): Promise<{ broker: ScriptedBroker; session: ClassicBrokerSession }> {
  server = await startScriptedBroker(clock);
  const session = await ClassicBrokerSession.create({ jit: decodeJitConfig(server.jit), runnerVersion: '2.330.0', clock, random: extra.random ?? (() => 0), ...extra });
  return { broker: server, session };
}

async function pollTimes(session: ClassicBrokerSession, n: number): Promise<Array<PollResult | BrokerClientError>> {
  const out: Array<PollResult | BrokerClientError> = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(await session.getMessage());
    } catch (error) {
      if (!(error instanceof BrokerClientError)) throw error;
      out.push(error);
    }
  }
  return out;
}

const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

describe('classic session pacing and faults', () => {
  it('gives a server that answers every poll instantly with 202 at most 10 polls per second', async () => {
    const { broker, session } = await open(systemClock);
    const until = Date.now() + 1_500;
    while (Date.now() < until) expect(await session.getMessage()).toEqual({ kind: 'empty', status: 202 });
    const times = broker.on('/broker/message').map((r) => r.at);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1_000).length;
      expect(inWindow).toBeLessThanOrEqual(10);
    }
    expect(times.length).toBeGreaterThanOrEqual(10); // it did keep polling
  });

  it('makes no call before Retry-After has passed in a 429 storm (seconds, fractional, HTTP-date, absent)', async () => {
    const clock = new AutoClock(Date.parse('2026-11-24T12:00:00Z'));
    const { broker, session } = await open(clock);
    const retryAfter = ['7', '2.5', '', '', 'DATE+40'];
    let n = 0;
    broker.handle('/broker/message', (_req, res) => {
      const value = retryAfter[n++];
      if (value === undefined) return void res.writeHead(202).end();
      const header = value === '' ? {} : { 'retry-after': value.startsWith('DATE') ? new Date(clock.now() + 40_000).toUTCString() : value };
      res.writeHead(429, { 'content-type': 'text/plain', ...header }).end('rate limited');
    });
    const results = await pollTimes(session, 6);
    expect(results.slice(0, 5).map((r) => (r instanceof BrokerClientError ? r.kind : r.kind))).toEqual(Array(5).fill('rate_limited'));
    expect(results[5]).toEqual({ kind: 'empty', status: 202 });
    const g = gaps(broker.on('/broker/message').map((r) => r.at));
    // 7 s; 2.5 s; absent → 5 s, then 10 s; an HTTP-date 40 s ahead (second precision).
    expect(g[0]).toBeGreaterThanOrEqual(7_000);
    expect(g[1]).toBeGreaterThanOrEqual(2_500);
    expect(g[2]).toBeGreaterThanOrEqual(5_000);
    expect(g[3]).toBeGreaterThanOrEqual(10_000);
    expect(g[4]).toBeGreaterThanOrEqual(39_000);
    expect(results.filter((r) => r instanceof BrokerClientError).every((e) => (e).retriable)).toBe(true);
  });

  it('backs off a 5xx burst in two tiers (15–30 s, then 30–60 s) and resets on success', async () => {
    const clock = new AutoClock();
    const { broker, session } = await open(clock, { random: () => 0.5 });
    let n = 0;
    broker.handle('/broker/message', (_req, res) => {
      n++;
      if (n <= 7 || n === 9) return void res.writeHead(n % 2 ? 503 : 500, { 'content-type': 'text/plain' }).end('upstream connect error or disconnect/reset before headers. reset reason: overflow');
      res.writeHead(202).end();
    });
    const results = await pollTimes(session, 10);
    expect(results.filter((r) => r instanceof BrokerClientError).map((e) => (e).kind)).toEqual(Array(8).fill('server_error'));
    const g = gaps(broker.on('/broker/message').map((r) => r.at));
    expect(g.slice(0, 5)).toEqual(Array(5).fill(22_500));
    expect(g.slice(5, 7)).toEqual([45_000, 45_000]);
    expect(g[7]).toBe(100); // after the 202: only the floor
    expect(g[8]).toBe(22_500); // the tier was reset by the success
  });

  it('re-mints the OAuth token once on a 401 mid-session and retries once', async () => {
    const clock = new AutoClock();
    const { broker, session } = await open(clock);
    let n = 0;
    broker.handle('/broker/message', (req, res) => {
      n++;
      if (n === 1) return json(res, 401, { message: 'token expired' });
      expect(req.headers.authorization).toBe('Bearer runner-token-2');
      res.writeHead(202).end();
    });
    expect(await session.getMessage()).toEqual({ kind: 'empty', status: 202 });
    expect(broker.on('/oauth')).toHaveLength(2);
    broker.handle('/broker/message', (_req, res) => json(res, 401, { message: 'runner deleted' }));
    await expect(session.getMessage()).rejects.toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(broker.on('/oauth')).toHaveLength(3); // exactly one re-mint per call, no loop
    expect(broker.on('/broker/message')).toHaveLength(4);
  });

  it('types version-too-old (403 RunnerVersionTooOld on poll, GAG-style 400 on create) as non-retriable', async () => {
    const clock = new AutoClock();
    const { broker, session } = await open(clock);
    broker.handle('/broker/message', (_req, res) =>
      json(res, 403, { source: 'actions-broker-listener', errorKind: 'RunnerVersionTooOld', statusCode: 403, errorMessage: 'Runner version v2.330.0 is deprecated and cannot receive messages.' }),
    );
    const error = await session.getMessage().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'version_too_old', retriable: false, errorKind: 'RunnerVersionTooOld', source: 'broker' });
    broker.handle('/broker/session', (_req, res) => json(res, 400, { message: 'Runner version 2.330.0 is below the minimum supported version' }));
    await expect(ClassicBrokerSession.create({ jit: decodeJitConfig(broker.jit), runnerVersion: '2.330.0', clock })).rejects.toMatchObject({ kind: 'version_too_old', retriable: false });
  });

  it('types truncated and malformed message bodies and keeps polling', async () => {
    const clock = new AutoClock();
    const { broker, session } = await open(clock);
    const bodies = [
      (res: Parameters<Parameters<ScriptedBroker['handle']>[1]>[1], socket: Parameters<Parameters<ScriptedBroker['handle']>[1]>[2]) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
        res.write('{"messageId":1,"messageType":"RunnerJobRe', () => socket.destroy());
      },
      (res: Parameters<Parameters<ScriptedBroker['handle']>[1]>[1]) => void res.end('{"messageId": 2, "messageType": '),
      (res: Parameters<Parameters<ScriptedBroker['handle']>[1]>[1]) => json(res, 200, { messageId: 3, messageType: 'RunnerJobRequest', body: '{"runner_request_id":"1"}' }),
      (res: Parameters<Parameters<ScriptedBroker['handle']>[1]>[1]) => json(res, 200, { messageId: 'x', messageType: 5 }),
      (res: Parameters<Parameters<ScriptedBroker['handle']>[1]>[1]) => void res.writeHead(202).end(),
    ];
    let n = 0;
    broker.handle('/broker/message', (_req, res, socket) => bodies[n++]!(res, socket));
    const results = await pollTimes(session, 5);
    expect(results.map((r) => (r instanceof BrokerClientError ? r.kind : r.kind))).toEqual(['truncated_body', 'malformed_body', 'malformed_body', 'malformed_body', 'empty']);
    expect((results[2] as BrokerClientError).message).toMatch(/has no "run_service_url"/);
  });

  it('reports an empty 200 (the consumed-JIT signature) and counts them', async () => {
    const clock = new AutoClock();
    const { broker, session } = await open(clock);
    broker.handle('/broker/message', (_req, res) => void res.writeHead(200, { 'content-length': '0' }).end());
    await pollTimes(session, 3);
    expect(session.consecutiveEmptyOk).toBe(3);
  });

  it('bounds a black-holed poll by the header deadline and reports it as a timeout, without back-off', async () => {
    const { broker, session } = await open(systemClock, { pollHeadersTimeoutMs: 250 });
    broker.handle('/broker/message', () => undefined);
    const started = Date.now();
    const result = await session.getMessage();
    expect(result.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
    broker.handle('/broker/message', (_req, res) => void res.writeHead(202).end());
    const again = Date.now();
    expect(await session.getMessage()).toEqual({ kind: 'empty', status: 202 });
    expect(Date.now() - again).toBeLessThan(1_000); // a timeout is an empty poll: no 15 s back-off
  });

  it('session create: retries 409 every 30 s within 4 min, re-mints once on 401, never retries 403', async () => {
    const clock = new AutoClock();
    server = await startScriptedBroker(clock);
    const broker = server;
    const jit = decodeJitConfig(broker.jit);
    let n = 0;
    broker.handle('/broker/session', (_req, res) => (++n <= 2 ? json(res, 409, { message: 'session exists' }) : json(res, 200, { sessionId: 's-1' })));
    const session = await ClassicBrokerSession.create({ jit, runnerVersion: '2.330.0', clock });
    expect(session.sessionId).toBe('s-1');
    expect(gaps(broker.on('/broker/session').map((r) => r.at))).toEqual([30_000, 30_000]);
    broker.handle('/broker/session', (_req, res) => json(res, 409, { message: 'session exists' }));
    const before = broker.on('/broker/session').length;
    await expect(ClassicBrokerSession.create({ jit, runnerVersion: '2.330.0', clock })).rejects.toMatchObject({ kind: 'session_conflict' });
    expect(broker.on('/broker/session').length - before).toBe(9); // t = 0, 30 … 240 s
    broker.handle('/broker/session', (_req, res) => json(res, 401, { message: 'no' }));
    const oauthBefore = broker.on('/oauth').length;
    await expect(ClassicBrokerSession.create({ jit, runnerVersion: '2.330.0', clock })).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(broker.on('/oauth').length - oauthBefore).toBe(2);
    broker.handle('/broker/session', (_req, res) => json(res, 403, { message: 'Access denied' }));
    const at = broker.on('/broker/session').length;
    await expect(ClassicBrokerSession.create({ jit, runnerVersion: '2.330.0', clock })).rejects.toMatchObject({ kind: 'forbidden', retriable: false });
    expect(broker.on('/broker/session').length - at).toBe(1);
    await expect(ClassicBrokerSession.create({ jit, runnerVersion: 'latest', clock })).rejects.toThrow(/runnerVersion: "latest" is not a version/);
  });
});
