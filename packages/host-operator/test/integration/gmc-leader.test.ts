// Two real gmc processes with --leader-elect against one testkit API server: exactly one reconciles, and
// killing it (SIGKILL, so no release) hands over within the lease duration.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gmcArgs, gmcProcessEnv, sampleGateway, startGmcEnv, tenant, type GmcEnv } from '../support/gmc-env.js';
import { waitFor } from '../support/scripted-watch-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const leaseMs = 2000;
let env: GmcEnv;

interface Gmc {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  leading: () => boolean;
}
const procs: Gmc[] = [];

function spawnGmc(): Gmc {
  const args = gmcArgs(env, ['--leader-elect', '--leader-elect-lease-duration', `${leaseMs}ms`, '--leader-elect-renew-deadline', '1500ms', '--leader-elect-retry-period', '400ms']);
  const proc = spawn('node', ['--conditions=source', '--import', 'tsx', 'packages/host-operator/src/gmc.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...gmcProcessEnv, OTEL_SDK_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  proc.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  proc.stderr.on('data', (c: Buffer) => process.stderr.write(c));
  const g: Gmc = { proc, lines, leading: () => lines.some((l) => l['msg'] === 'starting the ActionsGateway controller') };
  procs.push(g);
  return g;
}

const finalized = (ns: string): boolean =>
  ((env.server.store.get({ apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'ActionsGateway', namespace: ns, name: 'gw' }) as { metadata?: { finalizers?: string[] } } | undefined)?.metadata?.finalizers ?? []).length > 0;

beforeAll(async () => {
  env = await startGmcEnv();
  await env.core.createNamespace({ body: { metadata: { name: 'gmc-system' } } });
}, 30_000);
afterAll(async () => {
  for (const g of procs) if (g.proc.exitCode === null) g.proc.kill('SIGKILL');
  await env?.close();
});

describe('two gmc processes', () => {
  it('exactly one reconciles; killing it hands over within the lease duration', async () => {
    const a = spawnGmc();
    const b = spawnGmc();
    await waitFor(() => a.leading() || b.leading(), 30_000, 'a leader');
    await new Promise((r) => setTimeout(r, 1500));
    expect([a.leading(), b.leading()].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.leading() ? [a, b] : [b, a];

    await tenant(env, 'team-x');
    await env.objects.create(sampleGateway('team-x'));
    await waitFor(() => finalized('team-x'), 15_000, 'the leader reconciles');
    expect(follower.leading()).toBe(false);

    leader.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => follower.leading(), 15_000, 'the follower takes over');
    const took = Date.now() - killedAt;
    expect(took).toBeLessThan(leaseMs + 2000);

    await tenant(env, 'team-y');
    await env.objects.create(sampleGateway('team-y'));
    await waitFor(() => finalized('team-y'), 15_000, 'the new leader reconciles');
  }, 90_000);

  it('a SIGTERM shuts down gracefully, releasing the lease', async () => {
    const leader = procs.find((g) => g.proc.exitCode === null && g.proc.signalCode === null && g.leading())!;
    const next = spawnGmc();
    await waitFor(() => next.lines.some((l) => l['msg'] === 'gmc started'), 30_000, 'the new gmc');
    const exited = new Promise<number | null>((r) => leader.proc.on('exit', (c) => r(c)));
    leader.proc.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    if (code !== 0) console.log(leader.lines.slice(-15));
    expect(code).toBe(0);
    expect(leader.lines.some((l) => l['msg'] === 'released the lease')).toBe(true);
    await waitFor(() => next.leading(), 5_000, 'immediate takeover');
    for (const l of leader.lines) expect(Object.keys(l).slice(0, 3)).toEqual(['level', 'time', 'component']);
  }, 60_000);
});
