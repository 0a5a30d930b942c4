// Bad input of ag-sandbox: each is one line on stderr that says what to do, and nothing is left behind.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { takeLock } from '../../src/sandbox/lock.js';
import { runSandbox } from '../../src/sandbox/main.js';
import { parseSandboxArgs, UsageError } from '../../src/sandbox/options.js';
import { Sandbox } from '../../src/sandbox/run.js';

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'ag-sandbox-bad-'));
  dirs.push(d);
  return d;
};

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), text: () => text };
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await runSandbox(argv, { stdout: out.stream, stderr: err.stream });
  return { code, out: out.text(), err: err.text() };
}

describe('ag-sandbox bad input', () => {
  it.each([
    [['--jobs', 'many'], '--jobs must be a whole number'],
    [['--tenants', '0'], '--tenants must be a whole number from 1 to 20'],
    [['--second-group', 'Legacy'], '--second-group must be ScaleSet or Classic'],
    [['--conclusion', 'cancelled'], '--conclusion must be one of'],
    [['--frobnicate'], 'unknown flag "--frobnicate"'],
    [['--keep', '--exit-when-done'], '--keep and --exit-when-done exclude each other'],
  ])('%j → exit 2 with one line naming the flag', async (argv, fragment) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(fragment);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(() => parseSandboxArgs(argv)).toThrow(UsageError);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--exit-when-done');
  });

  it('a port already taken: one line saying which flag picks another, and the lock released', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const dir = tmp();
    const r = await run(['--source', '--api-port', String(port), '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ag-sandbox: port ${port} (--api-port) is already in use: stop what listens there or pick another with --api-port\n`);
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('a second sandbox in the same folder: one line naming the PID holding it', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`); // a live process that is not this one
    const r = await run(['--source', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ag-sandbox: another sandbox (PID ${process.ppid}) is running in ${dir}: stop it (kill ${process.ppid}) or use another folder with --dir\n`);
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.ppid));
  });

  it('a stale lock (its process gone) is taken over and released', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'lock'), '2147483646\n');
    const release = takeLock(dir);
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('a missing build: one line naming the files and the command that builds them', async () => {
    const root = tmp();
    writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
    mkdirSync(join(root, 'packages', 'host-operator', 'dist'), { recursive: true });
    writeFileSync(join(root, 'packages', 'host-operator', 'dist', 'gmc.js'), '');
    const options = parseSandboxArgs(['--dir', join(root, '.sandbox')]);
    if (options === 'help') throw new Error('unreachable');
    const error = await new Sandbox({ ...options, root }).preflight().then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toBe(
      'missing build: packages/host-operator/dist/agc.js, packages/host-proxy/dist/main.js, packages/host-worker/dist/main.js, packages/testkit/dist/stand-in-runner.js, packages/testkit/dist/parent-watch.js — run `pnpm build` (`pnpm start` builds first) or pass --source',
    );
    expect(existsSync(join(root, '.sandbox', 'lock'))).toBe(false);
  });
});
