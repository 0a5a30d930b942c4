// The sandbox's child processes: each started with its own env, its output appended to a log file, its error
// lines kept for the view, restarted when it dies unexpectedly (if asked), and stopped by its PID on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** How to run one child. */
export interface ChildSpec {
  /** Unique name: the log file is `<logDir>/<name>.log`. */
  readonly name: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Restart when it exits without being asked to stop (the agc). */
  readonly restart?: boolean;
  /** Called with every stdout line (e.g. to read the proxy's `ready host:port`). */
  readonly onLine?: (line: string) => void;
}

/** A supervised child as the view and the state file see it. */
export interface ChildView {
  readonly name: string;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly running: boolean;
  readonly lastError: string | undefined;
}

interface Entry {
  spec: ChildSpec;
  child: ChildProcess | undefined;
  restarts: number;
  lastError: string | undefined;
  log: WriteStream;
  exited: Promise<void>;
}

/** Error text of a JSON log line (`level` error/fatal, or ≥ 50), else undefined. */
export function errorOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const o = JSON.parse(line) as { level?: unknown; msg?: unknown; err?: { message?: unknown } };
    const level = o.level;
    if (level !== 'error' && level !== 'fatal' && !(typeof level === 'number' && level >= 50)) return undefined;
    const err = typeof o.err?.message === 'string' ? `: ${o.err.message}` : '';
    return `${typeof o.msg === 'string' ? o.msg : ''}${err}`.slice(0, 200);
  } catch {
    return undefined;
  }
}

/** Starts, restarts and stops children. */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private stopping = false;

  constructor(
    private readonly logDir: string,
    private readonly onEvent: (msg: string) => void = () => undefined,
    private readonly restartDelayMs = 1_000,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  /** Starts a child; resolves once it is spawned (rejects when it cannot be). */
  async start(spec: ChildSpec): Promise<void> {
    if (this.entries.has(spec.name)) throw new Error(`child ${spec.name} already exists`);
    const entry: Entry = { spec, child: undefined, restarts: 0, lastError: undefined, log: createWriteStream(join(this.logDir, `${spec.name}.log`), { flags: 'a' }), exited: Promise.resolve() };
    this.entries.set(spec.name, entry);
    await this.spawn(entry);
  }

  private spawn(entry: Entry): Promise<void> {
    const { spec } = entry;
    const [cmd, ...args] = spec.argv;
    const child = spawn(cmd!, args, { env: { ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    entry.child = child;
    const onData = (stream: 'stdout' | 'stderr') => {
      let partial = '';
      return (chunk: Buffer): void => {
        entry.log.write(chunk);
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const err = errorOf(line);
          if (err) entry.lastError = err;
          if (stream === 'stdout') spec.onLine?.(line);
        }
      };
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    entry.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('exit', (code, signal) => {
      if (this.stopping || entry.child !== child) return;
      entry.lastError = `exited ${signal ?? `with code ${String(code)}`}`;
      this.onEvent(`${spec.name} (PID ${String(child.pid)}) ${entry.lastError}${spec.restart ? '; restarting' : ''}`);
      if (!spec.restart) return;
      entry.restarts++;
      setTimeout(() => {
        if (!this.stopping) void this.spawn(entry).catch((e: unknown) => this.onEvent(`${spec.name}: ${(e as Error).message}`));
      }, this.restartDelayMs).unref();
    });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => reject(new Error(`cannot start ${spec.name} (${spec.argv[0] ?? ''}): ${e.message}`)));
    });
  }

  /** The children as the view shows them. */
  views(): ChildView[] {
    return [...this.entries.values()].map((e) => ({
      name: e.spec.name, pid: e.child?.pid, restarts: e.restarts, running: !!e.child && e.child.exitCode === null && e.child.signalCode === null, lastError: e.lastError,
    }));
  }

  /** The PID of a child (undefined when it is not running). */
  pid(name: string): number | undefined {
    return this.views().find((v) => v.name === name && v.running)?.pid;
  }

  /** Stops every child by its PID: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 8_000): Promise<void> {
    this.stopping = true;
    const entries = [...this.entries.values()];
    for (const e of entries) if (e.child?.pid !== undefined && e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const e of entries) if (e.child?.pid !== undefined && e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGKILL');
    }, graceMs);
    await Promise.all(entries.map((e) => e.exited));
    clearTimeout(timer);
    await Promise.all(entries.map((e) => new Promise<void>((resolve) => e.log.end(() => resolve()))));
  }
}
