// The agent pool against the testkit API server (Secrets through client-node) and the fake GitHub (JIT registration).
import { createMetrics } from '@actions-gateway/metrics';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AgentPool, type AgentPoolDeps, type PoolGroup } from '../../../src/agc/classic/agent-pool.js';
import { createAgentSecretStore } from '../../../src/agc/classic/agent-secret-store.js';
import { ConcurrencyLimit } from '../../../src/agc/classic/concurrency-limit.js';
import { LABELS, NAMESPACE, RecordingLogger, metricValue, startClassicEnv, type ClassicEnv } from './support/classic-env.js';

let env: ClassicEnv;
beforeEach(async () => {
  env = await startClassicEnv({ kubelet: false });
});
afterEach(async () => env.close());

const group: PoolGroup = { namespace: NAMESPACE, name: 'linux', uid: '', runnerLabels: LABELS };

function newPool(logger = new RecordingLogger(), metrics = createMetrics('controller'), options: { group?: PoolGroup; registrations?: ConcurrencyLimit; registrar?: AgentPoolDeps['registrar'] } = {}) {
  const pool = new AgentPool({
    store: createAgentSecretStore(env.kube.kubeConfig, NAMESPACE),
    registrar: options.registrar ?? env.app.registrar,
    group: () => options.group ?? group,
    ...(options.registrations && { registrations: options.registrations }),
    runnerGroupId: 1,
    runnerVersion: '2.330.0',
    metrics,
    logger,
  });
  return { pool, logger, metrics };
}

const secretsOf = async (): Promise<Map<string, { labels: Record<string, string>; data: Record<string, string> }>> => {
  const list = await env.core.listNamespacedSecret({ namespace: NAMESPACE, labelSelector: 'actions-gateway/runner-group=linux' });
  return new Map(list.items.map((s) => [s.metadata?.name ?? '', { labels: s.metadata?.labels ?? {}, data: s.data ?? {} }]));
};
const liveRunners = () => env.fake.control.runners().filter((r) => r.state === 'registered');
const decode = (v: string | undefined): string => Buffer.from(v ?? '', 'base64').toString('utf8');

it('registers one agent per index, each in its Secret with the reference labels and data keys, and logs no secret', async () => {
  const { pool, logger } = newPool();
  await pool.ensure(3);
  expect(pool.size).toBe(3);
  expect(liveRunners().map((r) => r.name).sort()).toEqual(['linux-0', 'linux-1', 'linux-2']);
  for (const runner of liveRunners()) expect(runner.labels).toEqual(expect.arrayContaining(LABELS));

  const secrets = await secretsOf();
  expect([...secrets.keys()].sort()).toEqual(['agentpool-linux-0', 'agentpool-linux-1', 'agentpool-linux-2']);
  const s1 = secrets.get('agentpool-linux-1')!;
  expect(s1.labels).toEqual({ 'app.kubernetes.io/managed-by': 'actions-gateway-controller', 'actions-gateway/runner-group': 'linux', 'actions-gateway/agent-index': '1' });
  expect(Object.keys(s1.data).sort()).toEqual(['agentId', 'agentIndex', 'authorizationUrl', 'brokerURL', 'clientId', 'encodedJITConfig', 'privateKeyPEM', 'runnerVersion']);
  const runner1 = liveRunners().find((r) => r.name === 'linux-1')!;
  expect(decode(s1.data.agentId)).toBe(String(runner1.id));
  expect(decode(s1.data.clientId)).toBe(runner1.clientId);
  expect(decode(s1.data.agentIndex)).toBe('1');
  expect(decode(s1.data.runnerVersion)).toBe('2.330.0');
  expect(decode(s1.data.privateKeyPEM)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  expect(decode(s1.data.brokerURL)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

  // Nothing secret reaches the log: not the blob, not the key, not a line of the PEM.
  const text = logger.text();
  for (const { data } of secrets.values()) {
    expect(text).not.toContain(decode(data.encodedJITConfig));
    expect(text).not.toContain(decode(data.privateKeyPEM).split('\n')[1]);
  }
  expect(logger.lines.some((l) => l.includes('agent registered'))).toBe(true);

  // Ensure again: nothing changes.
  await pool.ensure(3);
  expect(liveRunners()).toHaveLength(3);
});

it('claims each agent once, recycles a consumed one into a new runner under the same name, and repairs parked ones', async () => {
  const { pool, metrics } = newPool();
  await pool.ensure(2);
  const a = pool.claim()!;
  const b = pool.claim()!;
  expect([a.index, b.index]).toEqual([0, 1]);
  expect(pool.claim()).toBeUndefined();

  const before = await secretsOf();
  const recycled = await pool.recycle(0, 'post_job');
  expect(recycled.name).toBe('linux-0');
  expect(recycled.runnerId).not.toBe(a.runnerId);
  const old = env.fake.control.runners().find((r) => r.id === a.runnerId);
  expect(old?.state).toBe('deleted');
  expect(liveRunners().find((r) => r.name === 'linux-0')?.id).toBe(recycled.runnerId);
  const after = await secretsOf();
  expect(decode(after.get('agentpool-linux-0')!.data.agentId)).toBe(String(recycled.runnerId));
  expect(after.get('agentpool-linux-0')!.data.encodedJITConfig).not.toBe(before.get('agentpool-linux-0')!.data.encodedJITConfig);
  expect(await metricValue(metrics, 'actions_gateway_agent_recycles_total', { namespace: NAMESPACE, runner_group: 'linux', trigger: 'post_job' })).toBe(1);

  // Agent 1 acquired a job and its loop ended before recycling: it is parked, and ensure repairs it.
  pool.markConsumed(1);
  pool.release(1);
  pool.release(0);
  expect(pool.claim()?.index).toBe(0);
  expect(pool.claim()).toBeUndefined();
  await pool.ensure(2);
  expect(await metricValue(metrics, 'actions_gateway_agent_recycles_total', { trigger: 'reconcile_repair' })).toBe(1);
  expect(pool.claim()?.index).toBe(1);
  expect(pool.agent(1)?.runnerId).not.toBe(b.runnerId);
});

it('counts a failed recycle, adopts the Secrets a previous AGC left, shrinks, and deletes everything on deleteAll', async () => {
  const first = newPool();
  await first.pool.ensure(3);
  const ids = liveRunners().map((r) => r.id).sort();

  env.fake.control.inject({ method: 'POST', path: '/orgs/acme/actions/runners/generate-jitconfig', action: { status: 500, shape: 'rest', message: 'boom' } });
  await expect(first.pool.recycle(2, 'stale_session')).rejects.toThrow();
  expect(await metricValue(first.metrics, 'actions_gateway_agent_recycle_errors_total', { namespace: NAMESPACE, runner_group: 'linux' })).toBe(1);

  // A new AGC adopts the agents from their Secrets without registering anything.
  const second = newPool();
  await second.pool.ensure(3);
  expect(second.pool.size).toBe(3);
  expect([0, 1, 2].map((i) => second.pool.agent(i)?.runnerId).sort()).toEqual(ids);
  expect(env.fake.control.requests().filter((r) => r.path.endsWith('/generate-jitconfig') && r.status === 201)).toHaveLength(3);

  // maxListeners 3 → 1: the excess agents are deregistered and their Secrets deleted.
  await second.pool.ensure(1);
  expect([...(await secretsOf()).keys()]).toEqual(['agentpool-linux-0']);
  expect(liveRunners().map((r) => r.name)).toEqual(['linux-0']);

  await second.pool.deleteAll();
  expect((await secretsOf()).size).toBe(0);
  expect(liveRunners()).toHaveLength(0);
  expect(second.pool.size).toBe(0);
});

it('re-registers an agent whose Secret is unusable', async () => {
  const { pool } = newPool();
  await pool.ensure(1);
  const old = liveRunners()[0]!;
  const secret = await env.core.readNamespacedSecret({ namespace: NAMESPACE, name: 'agentpool-linux-0' });
  await env.core.replaceNamespacedSecret({ namespace: NAMESPACE, name: 'agentpool-linux-0', body: { ...secret, data: { ...secret.data, encodedJITConfig: Buffer.from('not a blob').toString('base64') } } });
  const fresh = newPool();
  await fresh.pool.ensure(1);
  expect(fresh.pool.agent(0)?.runnerId).not.toBe(old.id);
  expect(fresh.logger.text()).toContain('data.encodedJITConfig');
  expect(liveRunners().map((r) => r.id)).toEqual([fresh.pool.agent(0)?.runnerId]);
});

it('leaves the group\'s job Secrets alone without a warning (they carry the group\'s labels too)', async () => {
  await env.core.createNamespacedSecret({
    namespace: NAMESPACE,
    body: { metadata: { name: 'job-p1', labels: { 'app.kubernetes.io/managed-by': 'actions-gateway-controller', 'actions-gateway/runner-group': 'linux', 'actions-gateway/plan-id': 'p1' } } },
  });
  const { pool, logger } = newPool();
  await pool.ensure(1);
  await pool.ensure(1);
  expect(logger.lines.filter((l) => (JSON.parse(l) as { level: string }).level !== 'info' && (JSON.parse(l) as { level: string }).level !== 'debug')).toEqual([]);
  expect([...(await secretsOf()).keys()].sort()).toEqual(['agentpool-linux-0', 'job-p1']);
});

it('rides out a moment of API-server trouble (429, 500) on its Secrets instead of failing the recycle', async () => {
  const faults = [
    env.kube.faults.inject({ verb: 'list', resource: 'secrets', error: 429, retryAfterSeconds: 0, count: 1 }),
    env.kube.faults.inject({ verb: ['create', 'update'], resource: 'secrets', error: 500, count: 1 }),
  ];
  const { pool } = newPool();
  await pool.ensure(1);
  expect(pool.size).toBe(1);
  expect(faults.map((f) => f.hits)).toEqual([1, 1]);
  expect([...(await secretsOf()).keys()]).toEqual(['agentpool-linux-0']);
});

it('keeps the JIT blob in the agent Secret only, reads it back for a job, and refuses a blob of another registration', async () => {
  const { pool } = newPool();
  await pool.ensure(1);
  const agent = pool.claim()!;
  expect(Object.keys(agent).sort()).toEqual(['index', 'jit', 'name', 'runnerId']);
  const stored = decode((await secretsOf()).get('agentpool-linux-0')!.data.encodedJITConfig);
  expect(stored).toMatch(/^[A-Za-z0-9+/=]{100,}$/);
  expect(await pool.jitBlob(agent)).toBe(stored);

  // Recycled since: the Secret now holds the new runner's blob, which is not the old agent's.
  const recycled = await pool.recycle(0, 'post_job');
  await expect(pool.jitBlob(agent)).rejects.toThrow(`agent Secret agentpool-linux-0: data.agentId is ${recycled.runnerId}, not the agent's runner ${agent.runnerId}`);
  expect(await pool.jitBlob(recycled)).toBe(decode((await secretsOf()).get('agentpool-linux-0')!.data.encodedJITConfig));

  await env.core.deleteNamespacedSecret({ namespace: NAMESPACE, name: 'agentpool-linux-0' });
  await expect(pool.jitBlob(recycled)).rejects.toThrow('agent Secret agentpool-linux-0 is missing');
});

it('registers the agents of several groups in parallel, never more at once than the shared limit', async () => {
  // The real registrar, counting the registrations in flight; GitHub answers each after 300 ms.
  let inFlight = 0;
  let most = 0;
  const registrar: AgentPoolDeps['registrar'] = {
    generateJitConfig: async (...args) => {
      most = Math.max(most, ++inFlight);
      try {
        return await env.app.registrar.generateJitConfig(...args);
      } finally {
        inFlight -= 1;
      }
    },
    deleteRunner: (...args) => env.app.registrar.deleteRunner(...args),
  };
  env.fake.control.inject({ method: 'POST', path: '/orgs/acme/actions/runners/generate-jitconfig', action: { latencyMs: 300 }, always: true });
  const shared = new ConcurrencyLimit(3);
  const linux = newPool(undefined, undefined, { registrar, registrations: shared });
  const arm = newPool(undefined, undefined, { registrar, registrations: shared, group: { ...group, name: 'arm' } });
  await Promise.all([linux.pool.ensure(4), arm.pool.ensure(4)]);
  expect(liveRunners().map((r) => r.name).sort()).toEqual(['arm-0', 'arm-1', 'arm-2', 'arm-3', 'linux-0', 'linux-1', 'linux-2', 'linux-3']);
  expect(most).toBe(3);
  expect(shared.running).toBe(0);
});
