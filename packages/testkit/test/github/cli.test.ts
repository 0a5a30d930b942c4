// `ag-testkit github`: prints `ready <url>`, serves the control API, stops on SIGTERM.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = fileURLToPath(new URL('../../src/github/cli.ts', import.meta.url));

describe('ag-testkit github', () => {
  it('prints ready <url>, serves /_control/ and exits on SIGTERM', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', '-e',
      `import(${JSON.stringify(cli)}).then((m) => m.runGitHubCli(['--port', '0', '--profile', 'fast'])).then(() => process.exit(0))`], { cwd: root });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      p.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /ready (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      p.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const app = (await (await fetch(`${url}/_control/apps`, { method: 'POST', body: '{"org":"acme"}', headers: { 'content-type': 'application/json' } })).json()) as { org: string; privateKeyPem: string };
    expect(app.org).toBe('acme');
    expect(app.privateKeyPem).toContain('BEGIN RSA PRIVATE KEY');
    const exited = new Promise<number | null>((resolve) => p.on('exit', resolve));
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('rejects unknown arguments with a message naming them', async () => {
    const { runGitHubCli } = await import('../../src/index.js');
    await expect(runGitHubCli(['--bogus'])).rejects.toThrow(/unknown argument --bogus/);
    await expect(runGitHubCli(['--port', 'x'])).rejects.toThrow(/--port/);
  });
});
