// Opt-in local-process mode: a pod's first container runs as a real child process on this machine.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Obj } from '../apiserver/json.js';
import { asArr, asObj, getPath, isObj, meta, str } from '../apiserver/json.js';
import type { Resources } from '../apiserver/resources.js';

/** The env var naming the directory under which volume mount paths are materialised. */
export const podRootEnv = 'AG_TESTKIT_POD_ROOT';

/** Options of the local-process mode. */
export interface LocalProcessOptions {
  /** Directory holding one folder per pod (default: a fresh temp dir). */
  root?: string;
  /** Environment passed through from this process (default: PATH and HOME only). */
  inheritEnv?: string[];
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

  private lookup(plural: 'secrets' | 'configmaps', ns: string, name: string): Obj | undefined {
    return this.api.store.get(this.api.registry.byPlural('', 'v1', plural)!, ns, name);
  }

  private dataOf(o: Obj | undefined, secret: boolean): Record<string, string> {
    if (!o) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(asObj(o.data))) out[k] = secret ? Buffer.from(String(v as string), 'base64').toString('utf8') : String(v);
    return out;
  }

  private fieldRef(pod: Obj, path: string): string {
    const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (label) return str(asObj(meta(pod)[label[1]!])[label[2]!], '');
    const v = getPath(pod, path);
    return str(v);
  }

  private env(pod: Obj, c: Obj, dir: string): Record<string, string> {
    const ns = String(meta(pod).namespace);
    const env: Record<string, string> = {};
    for (const name of this.options.inheritEnv ?? ['PATH', 'HOME']) if (process.env[name] !== undefined) env[name] = process.env[name];
    for (const from of asArr(c.envFrom).filter(isObj)) {
      const prefix = str(from.prefix, '');
      if (isObj(from.configMapRef)) for (const [k, v] of Object.entries(this.dataOf(this.lookup('configmaps', ns, String(from.configMapRef.name)), false))) env[prefix + k] = v;
      if (isObj(from.secretRef)) for (const [k, v] of Object.entries(this.dataOf(this.lookup('secrets', ns, String(from.secretRef.name)), true))) env[prefix + k] = v;
    }
    for (const e of asArr(c.env).filter(isObj)) {
      const name = String(e.name);
      if (typeof e.value === 'string') env[name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
      const vf = asObj(e.valueFrom);
      if (isObj(vf.secretKeyRef)) {
        const v = this.dataOf(this.lookup('secrets', ns, String(vf.secretKeyRef.name)), true)[String(vf.secretKeyRef.key)];
        if (v === undefined && vf.secretKeyRef.optional !== true) throw new Error(`couldn't find key ${String(vf.secretKeyRef.key)} in Secret ${ns}/${String(vf.secretKeyRef.name)}`);
        if (v !== undefined) env[name] = v;
      }
      if (isObj(vf.configMapKeyRef)) {
        const v = this.dataOf(this.lookup('configmaps', ns, String(vf.configMapKeyRef.name)), false)[String(vf.configMapKeyRef.key)];
        if (v === undefined && vf.configMapKeyRef.optional !== true) throw new Error(`couldn't find key ${String(vf.configMapKeyRef.key)} in ConfigMap ${ns}/${String(vf.configMapKeyRef.name)}`);
        if (v !== undefined) env[name] = v;
      }
      if (isObj(vf.fieldRef)) env[name] = this.fieldRef(pod, String(vf.fieldRef.fieldPath));
    }
    env[podRootEnv] = dir;
    return env;
  }

  /** Writes secret, configMap and emptyDir volumes at their mount paths under the pod's directory. */
  private materialise(pod: Obj, c: Obj, dir: string): void {
    const ns = String(meta(pod).namespace);
    const volumes = new Map(asArr(asObj(pod.spec).volumes).filter(isObj).map((v) => [String(v.name), v]));
    for (const mount of asArr(c.volumeMounts).filter(isObj)) {
      const vol = volumes.get(String(mount.name));
      if (!vol) continue;
      const target = join(dir, String(mount.mountPath));
      mkdirSync(target, { recursive: true });
      let files: Record<string, string> = {};
      let items: unknown[] = [];
      if (isObj(vol.secret)) {
        files = this.dataOf(this.lookup('secrets', ns, String(vol.secret.secretName)), true);
        items = asArr(vol.secret.items);
      } else if (isObj(vol.configMap)) {
        files = this.dataOf(this.lookup('configmaps', ns, String(vol.configMap.name)), false);
        items = asArr(vol.configMap.items);
      }
      const mapped = items.filter(isObj);
      const entries = mapped.length ? mapped.map((i) => [String(i.path), files[String(i.key)] ?? ''] as const) : Object.entries(files);
      for (const [rel, content] of entries) {
        const file = join(target, rel);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content, { mode: 0o600 });
      }
    }
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
      const argv = [...asArr(c.command), ...asArr(c.args)].map(String);
      if (argv.length === 0) throw new Error('local-process mode needs spec.containers[0].command');
      mkdirSync(dir, { recursive: true });
      this.materialise(pod, c, dir);
      const env = this.env(pod, c, dir);
      const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (b: Buffer) => output.push(b.toString()));
      child.stderr.on('data', (b: Buffer) => output.push(b.toString()));
      this.running.set(k, { child, dir, output });
      child.on('error', (e) => {
        output.push(`${e.message}\n`);
        this.running.delete(k);
        onExit(127, null);
      });
      child.on('exit', (code, signal) => {
        if (!this.running.has(k)) return;
        this.running.delete(k);
        onExit(code, signal);
      });
    } catch (e) {
      output.push(`${(e as Error).message}\n`);
      setImmediate(() => onExit(1, null));
    }
  }

  kill(pod: Obj, signal: NodeJS.Signals): void {
    this.running.get(key(pod))?.child.kill(signal);
  }

  /** Stops tracking a pod's process (it ended, or the pod ended another way). */
  stop(pod: Obj): void {
    const r = this.running.get(key(pod));
    if (!r) return;
    this.running.delete(key(pod));
    r.child.kill('SIGKILL');
  }

  forget(pod: Obj): void {
    this.stop(pod);
  }

  stopAll(): void {
    for (const r of this.running.values()) r.child.kill('SIGKILL');
    this.running.clear();
    if (this.root && !this.options.root) rmSync(this.root, { recursive: true, force: true });
  }
}
