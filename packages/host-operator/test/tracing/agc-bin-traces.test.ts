// The real `agc` bin (from source through tsx) with OTEL_EXPORTER_OTLP_ENDPOINT: on SIGTERM it flushes the
// spans its batch processor still holds to the OTLP/gRPC receiver and exits 0; with a collector that
// black-holes the export it still exits within the 5 s flush budget; and TLS, the default for a collector.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { tracingEnv } from '@actions-gateway/core';
import { startOtlpReceiver } from '@actions-gateway/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from '../agc/host/agc-env.js';

const bin = fileURLToPath(new URL('../../src/agc.ts', import.meta.url));
const rgApi = { group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups' };

let env: AgcEnv;
beforeEach(async () => {
  env = await startAgcEnv();
  await env.objects.create(runnerGroup(env.namespace, 'linux'));
});
afterEach(async () => {
  await env.close();
});

/** Runs the bin until the group is reconciled, sends SIGTERM, and reports the exit code and how long exiting took. */
function runUntilReconciled(otel: Record<string, string>): Promise<{ code: number | null; exitMs: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', bin, ...env.args()], {
      env: { PATH: process.env['PATH'], ...env.env(otel) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let signalledAt = 0;
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, exitMs: Date.now() - signalledAt, stderr }));
    eventually(async () => {
      const rg = (await env.custom.getNamespacedCustomObject({ ...rgApi, namespace: env.namespace, name: 'linux' })) as { status?: { observedGeneration?: number } };
      return rg.status?.observedGeneration === 1;
    }, 'the bin reconciled linux', 60_000).then(
      () => {
        signalledAt = Date.now();
        child.kill('SIGTERM');
      },
      (err: unknown) => {
        child.kill('SIGKILL');
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

it('flushes RunnerGroup.Reconcile to the receiver on SIGTERM and exits 0', async () => {
  const receiver = await startOtlpReceiver();
  try {
    const result = await runUntilReconciled({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    expect(result.code).toBe(0);
    const reconcile = receiver.spans().find((s) => s.name === 'RunnerGroup.Reconcile');
    expect(reconcile).toMatchObject({ parentSpanId: '', attributes: { 'runnergroup.namespace': env.namespace, 'runnergroup.name': 'linux' }, resource: { 'service.name': 'actions-gateway-agc' } });
  } finally {
    await receiver.close();
  }
}, 120_000);

it('exits within the 5 s flush budget when the collector black-holes the export', async () => {
  const sockets = new Set<Socket>();
  const hole: Server = createServer((s) => void sockets.add(s));
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  try {
    const result = await runUntilReconciled({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(hole.address() as { port: number }).port}` });
    expect(result.code).toBe(0);
    // The flush really waited on the black hole (up to its 5 s budget), and the process did not outlive it.
    expect(result.exitMs).toBeGreaterThanOrEqual(4_900);
    expect(result.exitMs).toBeLessThan(7_000);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => hole.close(r));
  }
}, 120_000);

it('exports over TLS by default, as spec.tracing renders a scheme-less endpoint, trusting OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE', async () => {
  const receiver = await startOtlpReceiver({ tls: true });
  try {
    const caFile = join(env.dir, 'collector-ca.crt');
    writeFileSync(caFile, receiver.caPem!);
    const otel = Object.fromEntries(tracingEnv({ endpoint: receiver.address, resourceAttributes: { 'deployment.environment': 'test' } }).map((e) => [e.name, e.value ?? '']));
    expect(otel).not.toHaveProperty('OTEL_EXPORTER_OTLP_TRACES_INSECURE');
    const result = await runUntilReconciled({ ...otel, OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: caFile });
    expect(result.code).toBe(0);
    expect(receiver.spans().find((s) => s.name === 'RunnerGroup.Reconcile')?.resource).toMatchObject({ 'service.name': 'actions-gateway-agc', 'deployment.environment': 'test' });
  } finally {
    await receiver.close();
  }
}, 120_000);
