// `ag-testkit otlp`: prints "ready <host:port>", then one JSON line per span received; exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { until } from '../apiserver/kubectl.js';
import { otlpProvider } from './provider.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const cli = join(root, 'packages/testkit/src/cli.ts');

describe('ag-testkit otlp', () => {
  it('receives spans and prints each as a JSON line until SIGTERM', async () => {
    const child = spawn(tsx, ['--conditions=source', cli, 'otlp']);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => out.includes('\n'), 'ready line', 20_000);
      expect(out).toMatch(/^ready 127\.0\.0\.1:\d+\n$/);
      const address = out.trim().slice('ready '.length);
      const provider = otlpProvider(`http://${address}`, 'cli-test');
      provider.getTracer('t').startSpan('RunnerGroup.Reconcile', { attributes: { 'runnergroup.name': 'linux' } }).end();
      await provider.shutdown();
      await until(() => out.split('\n').length > 2, 'span line', 10_000);
      const span = JSON.parse(out.split('\n')[1]!) as Record<string, unknown>;
      expect(span).toMatchObject({ name: 'RunnerGroup.Reconcile', attributes: { 'runnergroup.name': 'linux' }, resource: { 'service.name': 'cli-test' }, parentSpanId: '' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
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
