// The kubelet simulator: schedules pods on one node and walks them Pending → Running → Succeeded/Failed on the clock.
import type { Clock, ClockTimer } from '../clock.js';
import { rfc3339 } from '../apiserver/rfc3339.js';
import { ApiError, badRequest } from '../apiserver/errors.js';
import type { Obj } from '../apiserver/json.js';
import { asArr, asObj, isObj, meta, str } from '../apiserver/json.js';
import type { ResourceType } from '../apiserver/registry.js';
import type { Resources } from '../apiserver/resources.js';
import type { StoreEvent } from '../apiserver/store.js';
import type { LocalProcessOptions } from './local-process.js';
import { LocalProcessRunner } from './local-process.js';
import type { InProcessSelector } from './in-process.js';
import { InProcessRunner } from './in-process.js';

/** What a pod's containers do once running. */
export interface PodOutcome {
  /** `Running` (default) stays running; `Succeeded`/`Failed` end the pod after `afterMs`. */
  phase: 'Running' | 'Succeeded' | 'Failed';
  /** Time from Running to the end, on the server's clock (default 0). */
  afterMs?: number;
  /** Exit code of the first container (default 0 for Succeeded, 1 for Failed). */
  exitCode?: number;
  /** Container termination reason (default Completed / Error). */
  reason?: string;
  message?: string;
  /** Never become ready (readiness probe failing). */
  notReady?: boolean;
  /** Keep running after SIGTERM until the grace period ends (then SIGKILL, exit 137). */
  ignoreSigterm?: boolean;
}

/** Options of the kubelet simulator. */
export interface KubeletOptions {
  /** Name of the one simulated node (default `testkit-node`). */
  nodeName?: string;
  /** Time from scheduling to Running, on the server's clock (default 0). */
  startDelayMs?: number;
  /** What pods do when nothing scripted matches (default: keep running). */
  defaultOutcome?: PodOutcome;
  /** Run a pod's first container as a local process when this returns true (opt-in). */
  localProcess?: (pod: Obj) => boolean;
  /** Options of the local-process mode. */
  local?: LocalProcessOptions;
  /**
   * Run a pod's first container as an async function of this process when this returns one (checked before
   * `localProcess`). The function gets the pod's volume files and env and an abort signal (the pod's SIGTERM);
   * its exit code decides Succeeded (0) or Failed. See `standInContainers` for the stand-in runner.
   */
  inProcess?: InProcessSelector;
}

/** Selects pods for a scripted outcome. */
export type PodMatcher = ((pod: Obj) => boolean) | { namespace?: string; name?: string; labels?: Record<string, string> };

function matcherFn(m: PodMatcher): (pod: Obj) => boolean {
  if (typeof m === 'function') return m;
  return (pod) => {
    const pm = meta(pod);
    if (m.namespace !== undefined && pm.namespace !== m.namespace) return false;
    if (m.name !== undefined && pm.name !== m.name) return false;
    const labels = asObj(pm.labels);
    return Object.entries(m.labels ?? {}).every(([k, v]) => labels[k] === v);
  };
}

const podKey = (pod: Obj): string => `${String(meta(pod).namespace)}/${String(meta(pod).name)}/${String(meta(pod).uid)}`;

/** The kubelet simulator of one node. */
export class Kubelet {
  readonly nodeName: string;
  private readonly scripts: { match: (pod: Obj) => boolean; outcome: PodOutcome }[] = [];
  private readonly timers = new Map<string, ClockTimer[]>();
  private readonly terminating = new Set<string>();
  private unsubscribe: () => void = () => undefined;
  private readonly podType: ResourceType;
  private readonly local: LocalProcessRunner;
  private readonly inProcess: InProcessRunner;

  constructor(
    private readonly api: Resources,
    private readonly clock: Clock,
    private readonly options: KubeletOptions,
  ) {
    this.nodeName = options.nodeName ?? 'testkit-node';
    this.podType = api.registry.byPlural('', 'v1', 'pods')!;
    this.local = new LocalProcessRunner(api, options.local ?? {});
    this.inProcess = new InProcessRunner(api);
  }

  /** Registers the node and starts reacting to pods. */
  async start(): Promise<void> {
    const nodeType = this.api.registry.byPlural('', 'v1', 'nodes')!;
    await this.api.create(nodeType, undefined, {
      metadata: { name: this.nodeName, labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux' } },
      status: {
        capacity: { cpu: '64', memory: '256Gi', pods: '1000', 'nvidia.com/gpu': '8' },
        allocatable: { cpu: '64', memory: '256Gi', pods: '1000', 'nvidia.com/gpu': '8' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      },
    });
    this.unsubscribe = this.api.store.subscribe((ev) => this.onEvent(ev));
  }

  stop(): void {
    this.unsubscribe();
    for (const timers of this.timers.values()) for (const t of timers) t.cancel();
    this.timers.clear();
    this.local.stopAll();
    this.inProcess.stopAll();
  }

  /** Scripts the outcome of matching pods (latest script wins); applies to pods not yet running too. */
  script(match: PodMatcher, outcome: PodOutcome): void {
    this.scripts.unshift({ match: matcherFn(match), outcome });
  }

  private outcomeFor(pod: Obj): PodOutcome {
    return this.scripts.find((s) => s.match(pod))?.outcome ?? this.options.defaultOutcome ?? { phase: 'Running' };
  }

  private later(pod: Obj, ms: number, fn: () => void): void {
    const key = podKey(pod);
    const list = this.timers.get(key) ?? [];
    list.push(this.clock.setTimeout(fn, ms));
    this.timers.set(key, list);
  }

  private cancelTimers(pod: Obj): void {
    for (const t of this.timers.get(podKey(pod)) ?? []) t.cancel();
    this.timers.delete(podKey(pod));
  }

  private onEvent(ev: StoreEvent): void {
    if (ev.key !== '/pods') return;
    const pod = ev.object;
    if (ev.type === 'DELETED') {
      this.cancelTimers(pod);
      this.terminating.delete(podKey(pod));
      this.local.forget(pod);
      this.inProcess.stop(pod);
      return;
    }
    const m = meta(pod);
    const spec = asObj(pod.spec);
    const phase = asObj(pod.status).phase;
    if (m.deletionTimestamp && !this.terminating.has(podKey(pod))) {
      this.terminating.add(podKey(pod));
      setImmediate(() => this.terminate(pod));
      return;
    }
    if (ev.type === 'ADDED' && !spec.nodeName && phase === 'Pending') setImmediate(() => this.schedule(pod));
  }

  private current(pod: Obj): Obj | undefined {
    const found = this.api.store.get(this.podType, meta(pod).namespace as string, String(meta(pod).name));
    return found && meta(found).uid === meta(pod).uid ? found : undefined;
  }

  private write(pod: Obj): Obj | undefined {
    try {
      return this.api.store.update(this.podType, { ...pod, metadata: { ...meta(pod), resourceVersion: undefined } });
    } catch {
      return undefined;
    }
  }

  private condition(type: string, status: string, reason?: string, message?: string): Obj {
    return { type, status, lastProbeTime: null, lastTransitionTime: rfc3339(this.clock.now()), ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  }

  private schedule(pod: Obj): void {
    const cur = this.current(pod);
    if (!cur || asObj(cur.spec).nodeName || meta(cur).deletionTimestamp) return;
    asObj(cur.spec).nodeName = this.nodeName;
    const status = asObj(cur.status);
    status.conditions = setCondition(asArr(status.conditions), this.condition('PodScheduled', 'True'));
    cur.status = status;
    const written = this.write(cur);
    if (!written) return;
    this.later(written, this.options.startDelayMs ?? 0, () => this.run(written));
  }

  private run(pod: Obj): void {
    const cur = this.current(pod);
    if (!cur || meta(cur).deletionTimestamp) return;
    const outcome = this.outcomeFor(cur);
    const now = rfc3339(this.clock.now());
    const ready = !outcome.notReady;
    const status = asObj(cur.status);
    status.phase = 'Running';
    status.startTime = now;
    status.hostIP = '127.0.0.1';
    status.podIP = '127.0.0.1';
    status.podIPs = [{ ip: '127.0.0.1' }];
    status.conditions = [
      this.condition('PodReadyToStartContainers', 'True'),
      this.condition('Initialized', 'True'),
      this.condition('Ready', ready ? 'True' : 'False', ready ? undefined : 'ContainersNotReady'),
      this.condition('ContainersReady', ready ? 'True' : 'False', ready ? undefined : 'ContainersNotReady'),
      ...asArr(status.conditions).filter((c) => isObj(c) && c.type === 'PodScheduled'),
    ];
    status.containerStatuses = asArr(asObj(cur.spec).containers)
      .filter(isObj)
      .map((c) => ({ name: c.name, image: c.image, imageID: `docker.io/${String(c.image)}@sha256:0`, containerID: `containerd://${String(meta(cur).uid)}-${String(c.name)}`, ready, started: true, restartCount: 0, state: { running: { startedAt: now } } }));
    cur.status = status;
    const written = this.write(cur);
    if (!written) return;
    const deadline = asObj(cur.spec).activeDeadlineSeconds;
    if (typeof deadline === 'number') {
      this.later(written, deadline * 1000, () => this.finish(written, { phase: 'Failed', exitCode: 137, reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' }, 'DeadlineExceeded'));
    }
    const inProcess = this.options.inProcess?.(cur);
    if (inProcess) {
      this.inProcess.start(cur, inProcess, (exitCode) => this.finish(written, exitCode === 0 ? { phase: 'Succeeded', exitCode: 0 } : { phase: 'Failed', exitCode }));
      return;
    }
    if (this.options.localProcess?.(cur)) {
      this.local.start(cur, (exitCode, signal) => this.finish(written, exitCode === 0 ? { phase: 'Succeeded', exitCode: 0 } : { phase: 'Failed', exitCode: exitCode ?? (signal === 'SIGKILL' ? 137 : 143) }));
      return;
    }
    if (outcome.phase !== 'Running') this.later(written, outcome.afterMs ?? 0, () => this.containerExited(written, outcome));
  }

  /**
   * The container ended on its own. Under restartPolicy Always (or OnFailure after a failure) the kubelet restarts
   * it: the pod stays Running, restartCount goes up, and the container waits in CrashLoopBackOff for
   * 10 s × 2^(restarts) (capped at 300 s) on the clock before it runs its script again.
   */
  private containerExited(pod: Obj, outcome: PodOutcome): void {
    const cur = this.current(pod);
    if (!cur || meta(cur).deletionTimestamp) return this.finish(pod, outcome);
    const policy = str(asObj(cur.spec).restartPolicy, 'Always');
    const failed = outcome.phase === 'Failed';
    if (policy === 'Never' || (policy === 'OnFailure' && !failed)) return this.finish(pod, outcome);
    const now = rfc3339(this.clock.now());
    const exitCode = outcome.exitCode ?? (failed ? 1 : 0);
    const status = asObj(cur.status);
    const statuses = asArr(status.containerStatuses).filter(isObj);
    const first = statuses[0];
    if (!first) return this.finish(pod, outcome);
    const restarts = Number(first.restartCount ?? 0);
    first.lastState = { terminated: { exitCode, reason: outcome.reason ?? (exitCode === 0 ? 'Completed' : 'Error'), startedAt: asObj(asObj(first.state).running).startedAt ?? now, finishedAt: now } };
    first.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.min(300, 10 * 2 ** restarts)}s restarting failed container=${str(first.name)} pod=${str(meta(cur).name)}` } };
    first.ready = false;
    first.started = false;
    first.restartCount = restarts + 1;
    status.conditions = asArr(status.conditions).map((c) => (isObj(c) && (c.type === 'Ready' || c.type === 'ContainersReady') ? { ...c, status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now } : c));
    const written = this.write(cur);
    if (!written) return;
    this.later(written, Math.min(300, 10 * 2 ** restarts) * 1000, () => this.restart(written));
  }

  private restart(pod: Obj): void {
    const cur = this.current(pod);
    if (!cur || meta(cur).deletionTimestamp) return;
    const outcome = this.outcomeFor(cur);
    const now = rfc3339(this.clock.now());
    const ready = !outcome.notReady;
    const status = asObj(cur.status);
    const first = asArr(status.containerStatuses).find(isObj);
    if (first) Object.assign(first, { state: { running: { startedAt: now } }, ready, started: true });
    status.conditions = asArr(status.conditions).map((c) => (isObj(c) && (c.type === 'Ready' || c.type === 'ContainersReady') ? { ...c, status: ready ? 'True' : 'False', reason: undefined, lastTransitionTime: now } : c));
    const written = this.write(cur);
    if (written && outcome.phase !== 'Running') this.later(written, outcome.afterMs ?? 0, () => this.containerExited(written, outcome));
  }

  /** Ends a pod: containers terminated, phase terminal; `podReason` goes to status.reason (Evicted, DeadlineExceeded). */
  private finish(pod: Obj, outcome: PodOutcome, podReason?: string, extraConditions: Obj[] = []): void {
    const cur = this.current(pod);
    if (!cur) return;
    const phase = asObj(cur.status).phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    this.cancelTimers(cur);
    this.local.stop(cur);
    this.inProcess.stop(cur);
    const now = rfc3339(this.clock.now());
    const exitCode = outcome.exitCode ?? (outcome.phase === 'Succeeded' ? 0 : 1);
    const reason = outcome.reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    const status = asObj(cur.status);
    status.phase = outcome.phase === 'Running' ? 'Failed' : outcome.phase;
    if (podReason) {
      status.reason = podReason;
      if (outcome.message) status.message = outcome.message;
    }
    let conditions = asArr(status.conditions).map((c) => (isObj(c) && (c.type === 'Ready' || c.type === 'ContainersReady') ? { ...c, status: 'False', reason: 'PodCompleted', lastTransitionTime: now } : c));
    for (const c of extraConditions) conditions = setCondition(conditions, c);
    status.conditions = conditions;
    status.containerStatuses = asArr(status.containerStatuses)
      .filter(isObj)
      .map((c, i) => ({
        ...c,
        ready: false,
        started: false,
        state: { terminated: { exitCode: i === 0 ? exitCode : 0, reason: i === 0 ? reason : 'Completed', ...(outcome.message && i === 0 ? { message: outcome.message } : {}), startedAt: asObj(asObj(c.state).running).startedAt ?? now, finishedAt: now, containerID: c.containerID } },
      }));
    cur.status = status;
    const written = this.write(cur);
    // A terminating pod that has now stopped is removed, as the kubelet's final delete with grace 0 does.
    if (written && meta(written).deletionTimestamp) this.remove(written);
  }

  private remove(pod: Obj): void {
    try {
      const cur = this.current(pod);
      if (!cur) return;
      if (asArr(meta(cur).finalizers).length > 0) {
        this.api.store.update(this.podType, { ...cur, metadata: { ...meta(cur), deletionGracePeriodSeconds: 0, resourceVersion: undefined } });
      } else this.api.store.remove(this.podType, meta(cur).namespace as string, String(meta(cur).name));
    } catch {
      // Already gone.
    }
  }

  /** Graceful deletion: SIGTERM now; the pod goes when its process ends or the grace period runs out. */
  private terminate(pod: Obj): void {
    const cur = this.current(pod);
    if (!cur) return;
    const phase = asObj(cur.status).phase;
    const grace = Number(meta(cur).deletionGracePeriodSeconds ?? 0);
    if (phase !== 'Running' || grace === 0) {
      this.cancelTimers(cur);
      this.local.kill(cur, 'SIGKILL');
      this.inProcess.stop(cur);
      this.remove(cur);
      return;
    }
    const outcome = this.outcomeFor(cur);
    const killed: PodOutcome = { phase: 'Failed', exitCode: 137, reason: 'Error' };
    this.cancelTimers(cur);
    if (this.inProcess.has(cur)) {
      this.inProcess.terminate(cur);
      this.later(cur, grace * 1000, () => {
        this.inProcess.stop(cur);
        this.finish(cur, killed);
      });
      return;
    }
    if (this.local.has(cur)) {
      this.local.kill(cur, 'SIGTERM');
      this.later(cur, grace * 1000, () => {
        this.local.kill(cur, 'SIGKILL');
        this.finish(cur, killed);
      });
      return;
    }
    if (outcome.ignoreSigterm) this.later(cur, grace * 1000, () => this.finish(cur, killed));
    else this.finish(cur, { phase: 'Failed', exitCode: 143, reason: 'Error' });
  }

  /** Output of a local-process pod so far (empty for simulated pods); served as `pods/log`. */
  logs(namespace: string, name: string): string {
    return this.local.output(namespace, name) || this.inProcess.error(namespace, name);
  }

  /** Ends a running pod now with the given outcome (a test's direct control). */
  complete(namespace: string, name: string, outcome: PodOutcome): void {
    const pod = this.api.store.get(this.podType, namespace, name);
    if (pod) this.finish(pod, outcome);
  }

  /** Node-pressure eviction: the pod fails with reason Evicted and a DisruptionTarget condition. */
  evict(namespace: string, name: string, message = 'The node was low on resource: memory.'): void {
    const pod = this.api.store.get(this.podType, namespace, name);
    if (!pod) return;
    this.finish(pod, { phase: 'Failed', exitCode: 137, reason: 'Error', message }, 'Evicted', [this.condition('DisruptionTarget', 'True', 'TerminationByKubelet', message)]);
  }

  /** Preemption: marks the pod with DisruptionTarget (PreemptionByScheduler) and deletes it gracefully. */
  async preempt(namespace: string, name: string): Promise<void> {
    const pod = this.api.store.get(this.podType, namespace, name);
    if (!pod) return;
    const status = asObj(pod.status);
    status.conditions = setCondition(asArr(status.conditions), this.condition('DisruptionTarget', 'True', 'PreemptionByScheduler', `${String(meta(pod).name)}: preempting to accommodate a higher priority pod`));
    pod.status = status;
    this.write(pod);
    await this.api.delete(this.podType, namespace, name, {});
  }

  /** The `pods/eviction` subresource: respects PodDisruptionBudgets (429), then fails the pod as Evicted. */
  async evictViaApi(namespace: string, name: string, body: unknown): Promise<Obj> {
    const b = asObj(body);
    if (b.kind !== undefined && b.kind !== 'Eviction') throw badRequest(`the kind in the data (${str(b.kind)}) does not match the expected kind (Eviction)`);
    const pod = this.api.store.mustGet(this.podType, namespace, name);
    this.checkBudgets(pod);
    const message = 'Evicted via the Eviction API';
    const status = asObj(pod.status);
    status.conditions = setCondition(asArr(status.conditions), this.condition('DisruptionTarget', 'True', 'EvictionByEvictionAPI', 'Eviction API: evicting'));
    pod.status = status;
    this.write(pod);
    this.finish(pod, { phase: 'Failed', exitCode: 137, reason: 'Error', message }, 'Evicted');
    const opts = asObj(b.deleteOptions);
    await this.api.delete(this.podType, namespace, name, typeof opts.gracePeriodSeconds === 'number' ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {});
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  }

  private checkBudgets(pod: Obj): void {
    const pdbType = this.api.registry.byPlural('policy', 'v1', 'poddisruptionbudgets')!;
    const labels = asObj(meta(pod).labels);
    const ns = String(meta(pod).namespace);
    for (const pdb of this.api.store.list(pdbType, ns)) {
      const sel = asObj(asObj(asObj(pdb.spec).selector).matchLabels);
      if (!Object.entries(sel).every(([k, v]) => labels[k] === v)) continue;
      const pods = this.api.store.list(this.podType, ns).filter((p) => Object.entries(sel).every(([k, v]) => asObj(meta(p).labels)[k] === v));
      const healthy = pods.filter((p) => asArr(asObj(p.status).conditions).some((c) => isObj(c) && c.type === 'Ready' && c.status === 'True')).length;
      const spec = asObj(pdb.spec);
      const minAvailable = resolveIntOrPercent(spec.minAvailable, pods.length);
      const maxUnavailable = resolveIntOrPercent(spec.maxUnavailable, pods.length);
      const allowed = minAvailable !== undefined ? healthy - minAvailable : maxUnavailable !== undefined ? maxUnavailable - (pods.length - healthy) : 1;
      if (allowed < 1) {
        throw new ApiError(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.', {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${String(meta(pdb).name)} needs ${minAvailable ?? pods.length - (maxUnavailable ?? 0)} healthy pods and has ${healthy} currently` }],
        });
      }
    }
  }
}

function resolveIntOrPercent(v: unknown, total: number): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) return Math.ceil((Number(v.slice(0, -1)) / 100) * total);
  return undefined;
}

/** Replaces the condition of the same type, or appends it. */
export function setCondition(conditions: unknown[], c: Obj): unknown[] {
  const out = conditions.filter((x) => !(isObj(x) && x.type === c.type));
  out.push(c);
  return out;
}
