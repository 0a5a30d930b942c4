// `ag-testkit otlp`: prints "ready <host:port>", then one JSON line per span received (plaintext or TLS with
// the CA written to --tls-ca-file); exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { until } from '../apiserver/kubectl.js';
import { otlpProvider } from './provider.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const cli = join(root, 'packages/testkit/src/cli.ts');

describe('ag-testkit otlp', () => {
  it.each([false, true])('receives spans and prints each as a JSON line until SIGTERM (TLS: %s)', async (tls) => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-otlp-'));
    const caFile = join(dir, 'ca.crt');
    const child = spawn(tsx, ['--conditions=source', cli, 'otlp', ...(tls ? ['--tls-ca-file', caFile] : [])]);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => out.includes('\n'), 'ready line', 20_000);
      expect(out).toMatch(/^ready 127\.0\.0\.1:\d+\n$/);
      const address = out.trim().slice('ready '.length);
      const provider = tls
        ? new NodeTracerProvider({
            resource: resourceFromAttributes({ 'service.name': 'cli-test' }),
            spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `https://${address}`, credentials: credentials.createSsl(readFileSync(caFile)) }))],
          })
        : otlpProvider(`http://${address}`, 'cli-test');
      provider.getTracer('t').startSpan('RunnerGroup.Reconcile', { attributes: { 'runnergroup.name': 'linux' } }).end();
      await provider.shutdown();
      await until(() => out.split('\n').length > 2, 'span line', 10_000);
      const span = JSON.parse(out.split('\n')[1]!) as Record<string, unknown>;
      expect(span).toMatchObject({ name: 'RunnerGroup.Reconcile', attributes: { 'runnergroup.name': 'linux' }, resource: { 'service.name': 'cli-test' }, parentSpanId: '' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a non-loopback host with exit code 2', async () => {
    const child = spawn(tsx, ['--conditions=source', cli, 'otlp', '--host', '0.0.0.0']);
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('--host must be 127.0.0.1 or ::1 (loopback only), got "0.0.0.0"');
  });
});
