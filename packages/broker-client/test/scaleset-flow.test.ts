// The scale-set protocol against a purpose-built server (support/scripted-broker.ts) that plays the REST API,
// the Actions Service and the message queue, so token expiry, 401s and 409s can be placed exactly.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BrokerClientError,
  GitHubRestClient,
  parseGitHubUrl,
  RunnerRegistrar,
  ScaleSetAdminClient,
  ScaleSetSession,
  staticToken,
} from '../src/index.js';
import { AutoClock } from './support/clocks.js';
import { json, startScriptedBroker, type ScriptedBroker } from './support/scripted-broker.js';

let server: ScriptedBroker | undefined;
afterEach(async () => server?.close());

const jwtWithExp = (expSeconds: number, n: number): string =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: expSeconds, n })).toString('base64url')}.sig`;

const stats = (assigned: number) => ({ totalAvailableJobs: 0, totalAcquiredJobs: 0, totalAssignedJobs: assigned, totalRunningJobs: 0, totalRegisteredRunners: 0, totalBusyRunners: 0, totalIdleRunners: 0 });

async function setup(clock: AutoClock, adminTtlSeconds = 3600) {
  server = await startScriptedBroker(clock);
  const s = server;
  let admins = 0;
  let queueTokens = 0;
  s.handle('/api/v3/orgs/acme/actions/runners/registration-token', (_r, res) => json(res, 201, { token: 'reg-token', expires_at: new Date(clock.now() + 3600_000).toISOString() }));
  s.handle('/api/v3/actions/runner-registration', (_r, res) => json(res, 200, { url: `${s.url}/tenant/`, token: jwtWithExp(Math.floor(clock.now() / 1000) + adminTtlSeconds, ++admins), token_schema: 'OAuthAccessToken' }));
  const session = () => ({ sessionId: 'sess-1', ownerName: 'agc', messageQueueUrl: `${s.url}/queue/message`, messageQueueAccessToken: `queue-${++queueTokens}`, statistics: stats(queueTokens) });
  s.handle('/tenant/_apis/runtime/runnerscalesets/5/sessions', (_r, res) => json(res, 200, session()));
  s.handle('/tenant/_apis/runtime/runnerscalesets/5/sessions/sess-1', (r, res) => (r.method === 'PATCH' ? json(res, 200, session()) : void res.writeHead(204).end()));
  const target = parseGitHubUrl(`${s.url}/acme`);
  const rest = new GitHubRestClient(target.apiBaseUrl, staticToken('ghs_install'), { clock });
  const admin = new ScaleSetAdminClient(rest, new RunnerRegistrar(rest, target), target, { clock });
  return { s, admin, target };
}

describe('scale-set admin token', () => {
  it('hops registration token → RemoteAuth → admin JWT, re-mints 60 s before exp and after a 401', async () => {
    const clock = new AutoClock(Date.parse('2026-11-24T12:00:00Z'));
    const { s, admin, target } = await setup(clock, 600);
    let calls = 0;
    s.handle('/tenant/_apis/runtime/runnergroups/', (r, res) => {
      calls++;
      if (calls === 3) return json(res, 401, { typeName: 'InvalidTokenException', message: 'expired early' });
      json(res, 200, { count: 1, value: [{ id: 3, name: r.path.includes('groupName=gpu') ? 'gpu' : 'x', isDefaultGroup: false }] });
    });
    expect(await admin.getRunnerGroupId('gpu')).toBe(3);
    const hop = s.on('/api/v3/actions/runner-registration')[0]!;
    expect(hop.headers.authorization).toBe('RemoteAuth reg-token');
    expect(JSON.parse(hop.body)).toEqual({ url: target.url, runner_event: 'register' });
    expect(s.on('/tenant/_apis/runtime/runnergroups/')[0]!.path).toContain('api-version=6.0-preview');
    // 539 s later: 61 s before exp → still the same token.
    clock.t += 539_000;
    await admin.getRunnerGroupId('gpu');
    expect(s.on('/api/v3/actions/runner-registration')).toHaveLength(1);
    // Inside the 60 s lead → a fresh hop before the call; then a 401 → one more hop and one retry.
    clock.t += 2_000;
    await admin.getRunnerGroupId('gpu');
    expect(s.on('/api/v3/actions/runner-registration')).toHaveLength(3);
    const auths = s.on('/tenant/_apis/runtime/runnergroups/').map((r) => r.headers.authorization);
    expect(auths[2]).not.toBe(auths[3]);
  });
  it('after a failed mint, mints no more before its back-off (5 s doubling), whoever asks; a success resets it', async () => {
    const clock = new AutoClock(Date.parse('2026-11-24T12:00:00Z'));
    const { s, admin } = await setup(clock);
    let down = true;
    s.handle('/api/v3/orgs/acme/actions/runners/registration-token', (_r, res) =>
      down ? json(res, 503, { message: 'Service Unavailable' }) : json(res, 201, { token: 'reg-token', expires_at: new Date(clock.now() + 3600_000).toISOString() }),
    );
    s.handle('/tenant/_apis/runtime/runnergroups/', (_r, res) => json(res, 200, { count: 1, value: [{ id: 3, name: 'gpu', isDefaultGroup: false }] }));
    const mints = () => s.on('/api/v3/orgs/acme/actions/runners/registration-token').length;
    const refused = async (): Promise<BrokerClientError> => {
      const err = await admin.getRunnerGroupId('gpu').then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(BrokerClientError);
      return err as BrokerClientError;
    };
    expect((await refused()).kind).toBe('server_error');
    expect(mints()).toBe(1);
    // Ten more callers inside the 5 s back-off: refused at once, with the wait as their Retry-After.
    for (let i = 0; i < 10; i++) {
      const err = await refused();
      expect(err.kind).toBe('server_error');
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(err.retryAfterMs).toBeLessThanOrEqual(5_000);
    }
    expect(mints()).toBe(1);
    clock.t += 5_000;
    await refused();
    expect(mints()).toBe(2);
    // The second failure doubles the wait to 10 s.
    clock.t += 9_000;
    await refused();
    expect(mints()).toBe(2);
    clock.t += 1_000;
    down = false;
    expect(await admin.getRunnerGroupId('gpu')).toBe(3);
    expect(mints()).toBe(3);
  });
});

describe('scale-set session', () => {
  it('advertises capacity on every poll, leaves the cursor to the caller, refreshes the queue token on 401 once', async () => {
    const clock = new AutoClock();
    const { s, admin } = await setup(clock);
    const session = await ScaleSetSession.create(admin, 5, 'agc-tenant-a', { clock });
    expect(session.statistics?.totalAssignedJobs).toBe(1);
    let n = 0;
    s.handle('/queue/message', (r, res) => {
      n++;
      if (n === 2) return json(res, 401, { message: 'queue token expired' });
      if (n === 1 || n === 3) {
        const body = JSON.stringify([
          { messageType: 'JobAssigned', runnerRequestId: 0, jobId: 'a0c1f3e2-0000-4000-8000-000000000007', requestLabels: ['gpu'], repositoryName: 'widgets', ownerName: 'acme' },
          { messageType: 'JobCompleted', runnerRequestId: 9, jobId: 'b', result: 'canceled', runnerName: 'r-1' },
          { messageType: 'SomethingNew', jobId: 'c' },
        ]);
        return json(res, 200, { messageId: 11, messageType: 'RunnerScaleSetJobMessages', body, statistics: stats(4) });
      }
      res.writeHead(202).end();
    });
    const first = await session.getMessage({ maxCapacity: 3 });
    expect(first).toMatchObject({ kind: 'message', messageId: 11, statistics: { totalAssignedJobs: 4 } });
    if (first.kind !== 'message') throw new Error('unreachable');
    expect(first.jobs.map((j) => j.type)).toEqual(['JobAssigned', 'JobCompleted', 'unknown']);
    expect(first.jobs[1]).toMatchObject({ type: 'JobCompleted', result: 'canceled' });
    // Not acked: the next poll (401 → PATCH → retry) asks again without a cursor and is redelivered.
    const again = await session.getMessage({ maxCapacity: 2 });
    expect(again).toMatchObject({ kind: 'message', messageId: 11 });
    expect(s.on('/tenant/_apis/runtime/runnerscalesets/5/sessions/sess-1').filter((r) => r.method === 'PATCH')).toHaveLength(1);
    s.handle('/queue/message/11', (_r, res) => void res.writeHead(204).end());
    await session.acknowledge(11);
    expect(session.lastMessageId).toBe(11);
    expect(await session.getMessage({ maxCapacity: 0 })).toEqual({ kind: 'empty' });
    const polls = s.on('/queue/message');
    expect(polls.map((p) => p.headers['x-scalesetmaxcapacity'])).toEqual(['3', '2', '2', '0']);
    expect(polls.map((p) => p.headers.authorization)).toEqual(['Bearer queue-1', 'Bearer queue-1', 'Bearer queue-2', 'Bearer queue-2']);
    expect(polls.map((p) => p.path)).toEqual(['/queue/message', '/queue/message', '/queue/message', '/queue/message?lastMessageId=11']);
    const del = s.on('/queue/message/11')[0]!;
    expect(del).toMatchObject({ method: 'DELETE' });
    expect(del.headers.authorization).toBe('Bearer queue-2');
  });

  it('retries a 409 at create on its schedule, then gives up as session_conflict', async () => {
    const clock = new AutoClock();
    const { s, admin } = await setup(clock);
    s.handle('/tenant/_apis/runtime/runnerscalesets/5/sessions', (_r, res) => json(res, 409, { typeName: 'SessionConflictException', message: 'a session exists' }));
    const error = await ScaleSetSession.create(admin, 5, 'agc', { clock, conflictRetries: 3, conflictRetryIntervalMs: 30_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerClientError);
    expect(error).toMatchObject({ kind: 'session_conflict', retriable: true });
    const times = s.on('/tenant/_apis/runtime/runnerscalesets/5/sessions').map((r) => r.at);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual([30_000, 30_000, 30_000]);
  });

  it('types a queue 404 as session_invalid (caller re-creates) and acquires jobs with the queue token', async () => {
    const clock = new AutoClock();
    const { s, admin } = await setup(clock);
    const session = await ScaleSetSession.create(admin, 5, 'agc', { clock });
    s.handle('/queue/message', (_r, res) => json(res, 404, { message: 'session not found' }));
    await expect(session.getMessage({ maxCapacity: 1 })).rejects.toMatchObject({ kind: 'session_invalid' });
    s.handle('/tenant/_apis/runtime/runnerscalesets/5/acquirejobs', (r, res) => json(res, 200, { count: 1, value: (JSON.parse(r.body) as number[]).slice(0, 1) }));
    expect(await session.acquireJobs([7, 8])).toEqual([7]);
    const call = s.on('/tenant/_apis/runtime/runnerscalesets/5/acquirejobs')[0]!;
    expect(call.headers.authorization).toBe('Bearer queue-1');
    expect(call.path).toContain('api-version=6.0-preview');
  });

  it('generates per-job JIT configs under fresh names, at most 3 tries on 409', async () => {
    const clock = new AutoClock();
    const { s, admin } = await setup(clock);
    s.handle('/tenant/_apis/runtime/runnerscalesets/5/generatejitconfig', (_r, res) => json(res, 409, { typeName: 'AgentExistsException', message: 'exists' }));
    await expect(admin.generateJitConfig(5, 'gpu-runner')).rejects.toMatchObject({ kind: 'conflict', typeName: 'AgentExistsException' });
    const names = s.on('/tenant/_apis/runtime/runnerscalesets/5/generatejitconfig').map((r) => (JSON.parse(r.body) as { name: string }).name);
    expect(names).toHaveLength(3);
    expect(new Set(names).size).toBe(3);
    expect(names.every((n) => n.startsWith('gpu-runner-'))).toBe(true);
    let n = 0;
    s.handle('/tenant/_apis/runtime/runnerscalesets/5/generatejitconfig', (r, res) =>
      ++n === 1 ? json(res, 409, { typeName: 'AgentExistsException', message: 'exists' }) : json(res, 200, { runner: { id: 77, name: (JSON.parse(r.body) as { name: string }).name, runnerScaleSetId: 5 }, encodedJITConfig: s.jit }),
    );
    const runner = await admin.generateJitConfig(5, 'gpu-runner');
    expect(runner).toMatchObject({ runnerId: 77 });
    expect(runner.jit.runner.agentId).toBe(42);
  });
});
