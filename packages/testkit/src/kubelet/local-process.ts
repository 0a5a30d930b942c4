// Opt-in local-process mode: a pod's first container runs as a real child process on this machine.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Obj } from '../apiserver/json.js';
import { asArr, asObj, isObj, meta } from '../apiserver/json.js';
import type { Resources } from '../apiserver/resources.js';
import { containerEnv, containerFiles, underMount } from './pod-view.js';

/**
 * The env var naming the directory under which volume mount paths are materialised. Env values that are paths
 * inside a mounted volume are rebased under it too, so `PAYLOAD_SECRET_PATH=/run/secrets/job-payload` names the
 * materialised copy.
 */
export const podRootEnv = 'AG_TESTKIT_POD_ROOT';

/** Options of the local-process mode. */
export interface LocalProcessOptions {
  /** Directory holding one folder per pod (default: a fresh temp dir). */
  root?: string;
  /** Environment passed through from this process (default: PATH and HOME only). */
  inheritEnv?: string[];
  /**
   * Variables set last, over the container's own (e.g. a proxy URL whose Service name only resolves in a
   * cluster, mapped to its loopback address); `podDir` is the pod's folder (its {@link podRootEnv}).
   */
  overrideEnv?: (pod: Obj, podDir: string) => Record<string, string> | undefined;
  /** The command to run instead of the container's `command` + `args` (e.g. the image's entrypoint). */
  overrideCommand?: (pod: Obj) => string[] | undefined;
}

interface Running {
  child: ChildProcess;
  dir: string;
  output: string[];
}

const key = (pod: Obj): string => `${String(meta(pod).namespace)}/${String(meta(pod).name)}/${String(meta(pod).uid)}`;

/** Starts, signals and cleans up the processes of local-mode pods. */
export class LocalProcessRunner {
  private readonly running = new Map<string, Running>();
  private readonly logs = new Map<string, string[]>();
  private root: string | undefined;

  constructor(
    private readonly api: Resources,
    private readonly options: LocalProcessOptions,
  ) {}

  private rootDir(): string {
    this.root ??= this.options.root ?? mkdtempSync(join(tmpdir(), 'ag-testkit-pods-'));
    return this.root;
  }

  has(pod: Obj): boolean {
    return this.running.has(key(pod));
  }

  /** Output (stdout and stderr, interleaved) of a pod's process so far. */
  output(namespace: string, name: string): string {
    for (const [k, lines] of this.logs) if (k.startsWith(`${namespace}/${name}/`)) return lines.join('');
    return '';
  }

  /** The environment: inherited names, the container's env, mount paths rebased under `dir`, then overrides. */
  private env(pod: Obj, c: Obj, dir: string, mountPaths: string[]): Record<string, string> {
    const base: Record<string, string> = {};
    for (const name of this.options.inheritEnv ?? ['PATH', 'HOME']) if (process.env[name] !== undefined) base[name] = process.env[name];
    const env = containerEnv(this.api, pod, c, base);
    // A path inside a mounted volume names the materialised copy, as it would inside the container.
    for (const [k, v] of Object.entries(env)) if (v.startsWith('/') && mountPaths.some((m) => underMount(v, m))) env[k] = join(dir, v);
    Object.assign(env, this.options.overrideEnv?.(pod, dir) ?? {});
    env[podRootEnv] = dir;
    return env;
  }

  /** Writes secret, configMap and emptyDir volumes at their mount paths under the pod's directory. */
  private materialise(pod: Obj, c: Obj, dir: string): string[] {
    const { files, emptyDirs, mountPaths } = containerFiles(this.api, pod, c);
    for (const d of [...emptyDirs, ...mountPaths]) mkdirSync(join(dir, d), { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      const file = join(dir, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content, { mode: 0o600 });
    }
    return mountPaths;
  }

  /** Starts the pod's first container; `onExit` gets the exit code (or the signal). */
  start(pod: Obj, onExit: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    const c = asArr(asObj(pod.spec).containers).find(isObj);
    const k = key(pod);
    const dir = join(this.rootDir(), String(meta(pod).namespace), String(meta(pod).name));
    const output: string[] = [];
    this.logs.set(k, output);
    try {
      if (!c) throw new Error('the pod has no containers');
      const argv = this.options.overrideCommand?.(pod) ?? [...asArr(c.command), ...asArr(c.args)].map(String);
      if (argv.length === 0) throw new Error('local-process mode needs spec.containers[0].command');
      mkdirSync(dir, { recursive: true });
      const mountPaths = this.materialise(pod, c, dir);
      const env = this.env(pod, c, dir, mountPaths);
      // Its own process group, like a container's PID namespace: SIGKILL reaches every process it started.
      const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout.on('data', (b: Buffer) => output.push(b.toString()));
      child.stderr.on('data', (b: Buffer) => output.push(b.toString()));
      this.running.set(k, { child, dir, output });
      child.on('error', (e) => {
        output.push(`${e.message}\n`);
        this.running.delete(k);
        onExit(127, null);
      });
      child.on('exit', (code, signal) => {
        killGroup(child, 'SIGKILL'); // the container ends with its first process
        if (!this.running.has(k)) return;
        this.running.delete(k);
        onExit(code, signal);
      });
    } catch (e) {
      output.push(`${(e as Error).message}\n`);
      setImmediate(() => onExit(1, null));
    }
  }

  /** SIGTERM goes to the container's first process only (as the kubelet sends it); SIGKILL to all of it. */
  kill(pod: Obj, signal: NodeJS.Signals): void {
    const r = this.running.get(key(pod));
    if (r) killGroup(r.child, signal);
  }

  /** Stops tracking a pod's process (it ended, or the pod ended another way). */
  stop(pod: Obj): void {
    const r = this.running.get(key(pod));
    if (!r) return;
    this.running.delete(key(pod));
    killGroup(r.child, 'SIGKILL');
  }

  forget(pod: Obj): void {
    this.stop(pod);
  }

  stopAll(): void {
    for (const r of this.running.values()) killGroup(r.child, 'SIGKILL');
    this.running.clear();
    if (this.root && !this.options.root) rmSync(this.root, { recursive: true, force: true });
  }
}

/** SIGKILL to the child's whole process group; any other signal to the child alone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (signal !== 'SIGKILL' || child.pid === undefined) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}
