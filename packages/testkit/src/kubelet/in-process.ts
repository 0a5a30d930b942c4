// In-process mode: a pod's first container is an async function of this process, so an in-process test gets
// the behaviour of a real worker (files, env, signals, exit code) without spawning anything.
import type { Obj } from '../apiserver/json.js';
import { meta } from '../apiserver/json.js';
import type { Resources } from '../apiserver/resources.js';
import { containerEnv, containerFiles, firstContainer } from './pod-view.js';

/** What an in-process container gets. */
export interface InProcessContext {
  /** Aborted when the pod is deleted (SIGTERM); the container should stop, report and return. */
  readonly signal: AbortSignal;
  /** Files of the container's Secret and ConfigMap volumes, by absolute path (e.g. `/run/secrets/job-payload/payload`). */
  readonly files: Readonly<Record<string, string>>;
  /** The container's environment (`env` and `envFrom`, resolved from the store). */
  readonly env: Readonly<Record<string, string>>;
  /** The pod as the kubelet started it. */
  readonly pod: Readonly<Obj>;
}

/** An in-process container: resolves to its exit code (0 → Succeeded, anything else → Failed). */
export type InProcessContainer = (ctx: InProcessContext) => Promise<number>;

/** Picks the in-process container of a pod, or undefined to leave the pod to the other modes. */
export type InProcessSelector = (pod: Obj) => InProcessContainer | undefined;

const key = (pod: Obj): string => `${String(meta(pod).namespace)}/${String(meta(pod).name)}/${String(meta(pod).uid)}`;

/** Starts and stops the in-process containers of pods. */
export class InProcessRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly errors = new Map<string, string>();

  constructor(private readonly api: Resources) {}

  has(pod: Obj): boolean {
    return this.running.has(key(pod));
  }

  /** Why a pod's container failed by throwing, if it did. */
  error(namespace: string, name: string): string {
    for (const [k, e] of this.errors) if (k.startsWith(`${namespace}/${name}/`)) return e;
    return '';
  }

  /** Runs `container` for the pod; `onExit` gets its exit code (1 when it threw, 137 when stopped first). */
  start(pod: Obj, container: InProcessContainer, onExit: (code: number) => void): void {
    const k = key(pod);
    const controller = new AbortController();
    this.running.set(k, controller);
    const done = (code: number): void => {
      if (this.running.get(k) !== controller) return;
      this.running.delete(k);
      onExit(code);
    };
    let ctx: InProcessContext;
    try {
      const c = firstContainer(pod);
      if (!c) throw new Error('the pod has no containers');
      ctx = { signal: controller.signal, files: containerFiles(this.api, pod, c).files, env: containerEnv(this.api, pod, c), pod };
    } catch (e) {
      this.errors.set(k, (e as Error).message);
      setImmediate(() => done(1));
      return;
    }
    // Started on the next turn, as a process would be: the pod is written Running first.
    setImmediate(() => {
      container(ctx).then(
        (code) => done(Number.isInteger(code) ? code : 1),
        (e: unknown) => {
          this.errors.set(k, e instanceof Error ? e.message : String(e));
          done(1);
        },
      );
    });
  }

  /** SIGTERM: aborts the container's signal; it ends when its function returns. */
  terminate(pod: Obj): void {
    this.running.get(key(pod))?.abort(new Error('SIGTERM'));
  }

  /** Stops tracking a pod's container (it ended, was SIGKILLed, or the pod ended another way). */
  stop(pod: Obj): void {
    const c = this.running.get(key(pod));
    if (!c) return;
    this.running.delete(key(pod));
    c.abort(new Error('SIGKILL'));
  }

  stopAll(): void {
    for (const c of this.running.values()) c.abort(new Error('SIGKILL'));
    this.running.clear();
  }
}
