// Processes the bench compares: our egress-proxy (the built bin) and squid, each started on loopback and
// stopped by PID, plus the upstream process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const SQUID = '/usr/sbin/squid';
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(pkg, '..', '..');

export interface Peer {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${what} exited ${code} before it was ready`)));
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
}

/** Builds the proxy bin so the bench measures what ships. */
export function buildProxy(): void {
  // tsup directly (what the package's build script runs), so the bench does not depend on pnpm's own start-up.
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsup'), [], { cwd: pkg, stdio: 'pipe' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr.toString()}`);
}

/** Starts the built egress-proxy allowed to reach 127.0.0.1 on `ports`. */
export async function startOurs(ports: readonly number[]): Promise<Peer> {
  const child = spawn(
    process.execPath,
    [
      join(pkg, 'dist', 'main.js'),
      '--host', '127.0.0.1', '--port', '0', '--health-host', '127.0.0.1', '--health-port', '0',
      '--allow-cidrs', '127.0.0.1/32', '--allow-ports', ports.join(','), '--max-tunnels', '100000',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = await firstLine(child, 'egress-proxy');
  child.stdout.resume(); // logs follow the ready line; keep the pipe drained
  const port = Number(/^ready 127\.0\.0\.1:(\d+)$/.exec(ready)?.[1]);
  if (!port) throw new Error(`unexpected first line: ${ready}`);
  return { name: 'egress-proxy', port, pid: child.pid!, stop: stopper(child) };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts squid in the foreground (-N, one process) on loopback, allowing CONNECT to any port. */
export async function startSquid(): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-squid-'));
  chmodSync(dir, 0o777); // squid drops to its own user before writing its log
  const port = await freePort();
  writeFileSync(
    join(dir, 'squid.conf'),
    [
      `http_port 127.0.0.1:${port}`,
      'http_access allow all',
      'cache deny all',
      'access_log none',
      'cache_store_log none',
      `cache_log ${join(dir, 'cache.log')}`,
      `pid_filename ${join(dir, 'squid.pid')}`,
      `coredump_dir ${dir}`,
      'pinger_enable off',
      'visible_hostname bench',
      'dns_nameservers 127.0.0.1',
      'max_filedescriptors 16384',
      'shutdown_lifetime 0 seconds',
      'workers 1',
      '',
    ].join('\n'),
  );
  const child = spawn(SQUID, ['-N', '-f', join(dir, 'squid.conf')], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`squid exited ${child.exitCode}; see ${dir}/cache.log`);
    if (Date.now() > deadline) throw new Error('squid did not start listening');
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = stopper(child);
  return {
    name: 'squid',
    port,
    pid: child.pid!,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the upstream process; resolves with its ports and a stop function. */
export async function startUpstream(): Promise<{ source: number; echo: number; stop: () => Promise<void> }> {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(pkg, 'bench', 'upstream.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = JSON.parse(await firstLine(child, 'upstream')) as { source: number; echo: number };
  return { ...ports, stop: stopper(child) };
}

export const squidInstalled = (): boolean => existsSync(SQUID);
