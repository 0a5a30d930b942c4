// The ag-testkit CLI: writes a kubeconfig, prints "ready <url>", serves kubectl, exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kubectl, until } from './kubectl.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const cli = join(root, 'packages/testkit/src/cli.ts');

describe('ag-testkit apiserver', () => {
  it.each([[[], 'http'], [['--https'], 'https']] as const)('serves kubectl until SIGTERM (%j)', async (flags, scheme) => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-cli-'));
    const kc = join(dir, 'kubeconfig');
    const child = spawn(tsx, ['--conditions=source', cli, 'apiserver', '--kubeconfig', kc, ...flags]);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => out.includes('\n'), 'ready line', 20_000);
      expect(out).toMatch(new RegExp(`^ready ${scheme}://127\\.0\\.0\\.1:\\d+\\n$`));
      expect(readFileSync(kc, 'utf8')).toContain(out.trim().slice('ready '.length));
      expect((await kubectl(kc, ['get', 'ns', 'default', '-o', 'name'])).stdout).toBe('namespace/default\n');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000); // a child process compiling TypeScript at start-up: slow on a busy 2-core box

  it('refuses bad arguments with usage and exit code 2', async () => {
    const child = spawn(tsx, ['--conditions=source', cli, 'apiserver', '--port', 'abc', '--kubeconfig', '/tmp/x']);
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('--port must be an integer from 0 to 65535, got "abc"');
  });
});
