import {
  KubernetesApiError,
  type Clock,
  type KubernetesEvent,
  type KubernetesPort,
  type LimitRange,
  type Pod,
  type ResourceQuota,
  type Secret,
} from '../../../src/index.js';

const terminal = new Set(['Succeeded', 'Failed']);

/**
 * A namespace-scoped Kubernetes in memory: Secrets, pods with phases, a `pods` ResourceQuota the API
 * enforces on create, LimitRanges, Events, and pod watches. Tests drive pods through their life with
 * {@link schedule}, {@link setPhase}, {@link evict}, {@link preempt}, {@link drain}.
 */
export class InMemoryKubernetes implements KubernetesPort {
  readonly secrets = new Map<string, Secret>();
  readonly pods = new Map<string, Pod>();
  readonly events: KubernetesEvent[] = [];
  readonly deletedPods: string[] = [];
  quotas: ResourceQuota[] = [];
  limitRanges: LimitRange[] = [];
  /** Called after each pod create (e.g. to script the pod's life). */
  onPodCreated?: (pod: Pod) => void;
  /** Refuses creates with an error of the test's choosing. */
  refuseCreate?: (pod: Pod) => Error | undefined;
  /** The next this-many watches fail (a broken watch connection). */
  failWatches = 0;
  /** The next this-many pod lists fail. */
  failLists = 0;
  #uid = 0;
  #watchers = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  #key(ns: string, name: string): string {
    return `${ns}/${name}`;
  }

  #changed(): void {
    for (const w of [...this.#watchers]) w();
  }

  pod(name: string, ns = 'tenant'): Pod | undefined {
    return this.pods.get(this.#key(ns, name));
  }

  createSecret(ns: string, secret: Secret): Promise<void> {
    const name = secret.metadata?.name ?? '';
    const key = this.#key(ns, name);
    if (this.secrets.has(key)) return Promise.reject(new KubernetesApiError(409, `secrets "${name}" already exists`, 'AlreadyExists'));
    this.secrets.set(key, structuredClone(secret));
    return Promise.resolve();
  }

  deleteSecret(ns: string, name: string): Promise<void> {
    this.secrets.delete(this.#key(ns, name));
    return Promise.resolve();
  }

  getSecret(ns: string, name: string): Promise<Secret | undefined> {
    return Promise.resolve(structuredClone(this.secrets.get(this.#key(ns, name))));
  }

  #activePods(ns: string): number {
    return [...this.pods.entries()].filter(([k, p]) => k.startsWith(`${ns}/`) && !terminal.has(p.status?.phase ?? '')).length;
  }

  createPod(ns: string, pod: Pod): Promise<Pod> {
    const name = pod.metadata?.name ?? '';
    const key = this.#key(ns, name);
    if (this.pods.has(key)) return Promise.reject(new KubernetesApiError(409, `pods "${name}" already exists`, 'AlreadyExists'));
    const refused = this.refuseCreate?.(pod);
    if (refused) return Promise.reject(refused);
    for (const q of this.quotas) {
      const hard = q.spec?.hard?.['pods'];
      const used = this.#activePods(ns);
      if (hard !== undefined && used + 1 > Number(hard)) {
        const qn = q.metadata?.name ?? 'quota';
        return Promise.reject(new KubernetesApiError(403, `pods "${name}" is forbidden: exceeded quota: ${qn}, requested: pods=1, used: pods=${used}, limited: pods=${hard}`, 'Forbidden'));
      }
    }
    const stored: Pod = structuredClone(pod);
    stored.metadata = { ...stored.metadata, namespace: ns, uid: `uid-${++this.#uid}`, creationTimestamp: this.clock.now().toISOString() };
    stored.status = { phase: 'Pending' };
    this.pods.set(key, stored);
    this.#changed();
    this.onPodCreated?.(structuredClone(stored));
    return Promise.resolve(structuredClone(stored));
  }

  deletePod(ns: string, name: string, options?: { uid?: string }): Promise<void> {
    const key = this.#key(ns, name);
    const pod = this.pods.get(key);
    if (!pod) return Promise.resolve();
    if (options?.uid !== undefined && pod.metadata?.uid !== options.uid) {
      return Promise.reject(new KubernetesApiError(409, `precondition failed: UID in precondition: ${options.uid}`, 'Conflict'));
    }
    // Graceful deletion: watchers see the deletionTimestamp first, then the pod is gone.
    pod.metadata = { ...pod.metadata, deletionTimestamp: this.clock.now().toISOString() };
    this.#changed();
    this.pods.delete(key);
    this.deletedPods.push(name);
    this.#changed();
    return Promise.resolve();
  }

  getPod(ns: string, name: string): Promise<Pod | undefined> {
    return Promise.resolve(structuredClone(this.pods.get(this.#key(ns, name))));
  }

  listPods(ns: string, labels: Readonly<Record<string, string>>): Promise<Pod[]> {
    if (this.failLists > 0 && this.failLists--) return Promise.reject(new KubernetesApiError(500, 'etcdserver: request timed out'));
    const out = [...this.pods.entries()]
      .filter(([k]) => k.startsWith(`${ns}/`))
      .map(([, p]) => p)
      .filter((p) => Object.entries(labels).every(([k, v]) => p.metadata?.labels?.[k] === v));
    return Promise.resolve(structuredClone(out));
  }

  annotatePod(ns: string, name: string, annotations: Readonly<Record<string, string>>): Promise<void> {
    const pod = this.pods.get(this.#key(ns, name));
    if (!pod) return Promise.reject(new KubernetesApiError(404, `pods "${name}" not found`, 'NotFound'));
    pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...annotations } };
    this.#changed();
    return Promise.resolve();
  }

  listResourceQuotas(ns: string): Promise<ResourceQuota[]> {
    return Promise.resolve(
      this.quotas.map((q) => {
        const hard = q.spec?.hard ?? {};
        const used = { ...q.status?.used };
        if (hard['pods'] !== undefined) used['pods'] = String(this.#activePods(ns));
        return { ...structuredClone(q), status: { hard: { ...hard }, used } };
      }),
    );
  }

  listLimitRanges(): Promise<LimitRange[]> {
    return Promise.resolve(structuredClone(this.limitRanges));
  }

  waitForPod(ns: string, name: string, until: (pod: Pod | undefined) => boolean, signal: AbortSignal): Promise<Pod | undefined> {
    if (this.failWatches > 0 && this.failWatches--) return Promise.reject(new Error('watch connection reset'));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.#watchers.delete(check);
        signal.removeEventListener('abort', onAbort);
      };
      const check = (): void => {
        const pod = structuredClone(this.pods.get(this.#key(ns, name)));
        if (until(pod)) {
          done();
          resolve(pod);
        }
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#watchers.add(check);
      check();
    });
  }

  emitEvent(event: KubernetesEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }

  // ---- the kubelet and the control plane, driven by the test ----

  #mutate(name: string, ns: string, change: (pod: Pod) => void): void {
    const pod = this.pods.get(this.#key(ns, name));
    if (!pod) throw new Error(`no pod ${ns}/${name}`);
    change(pod);
    this.#changed();
  }

  /** The scheduler binds the pod and the kubelet starts it. */
  schedule(name: string, ns = 'tenant'): void {
    this.#mutate(name, ns, (p) => {
      p.status = { ...p.status, phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: this.clock.now().toISOString() }] };
    });
  }

  /** The pod's containers end. */
  setPhase(name: string, phase: 'Succeeded' | 'Failed' | 'Unknown', reason?: string, ns = 'tenant'): void {
    this.#mutate(name, ns, (p) => {
      p.status = {
        ...p.status,
        phase,
        ...(reason ? { reason } : {}),
        containerStatuses: [{ name: 'runner', state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, finishedAt: this.clock.now().toISOString() } } }],
      };
    });
  }

  /** The kubelet evicts the pod under node pressure. */
  evict(name: string, ns = 'tenant'): void {
    this.#mutate(name, ns, (p) => {
      p.status = { ...p.status, phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' };
    });
  }

  /** The scheduler preempts the pod for a higher-priority one. */
  preempt(name: string, ns = 'tenant'): Promise<void> {
    this.#mutate(name, ns, (p) => {
      p.status = { ...p.status, conditions: [...(p.status?.conditions ?? []), { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] };
    });
    return this.deletePod(ns, name);
  }

  /** `kubectl drain`: the Eviction API. */
  drain(name: string, ns = 'tenant'): Promise<void> {
    this.#mutate(name, ns, (p) => {
      p.status = { ...p.status, conditions: [...(p.status?.conditions ?? []), { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] };
    });
    return this.deletePod(ns, name);
  }
}
