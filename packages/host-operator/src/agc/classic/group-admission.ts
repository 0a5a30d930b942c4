/**
 * Claim only what fits (DESIGN §3.1) for one RunnerGroup's sessions: the live admission snapshot (ceiling,
 * tier, ResourceQuota headroom) minus the jobs this group claimed whose pods the snapshot does not show
 * yet. Reserving is serialised, so two sessions never both take the last slot; a job of the group ending
 * wakes the sessions waiting for room.
 */
import { assessAdmission, isActiveWorkerPod, linkSignals, workerPodName, workerPodSelector, type AdmissionDecision, type Clock, type KubernetesPort, type ProvisionerGroup } from '@actions-gateway/core';

/** How much room there is now. */
export interface Room {
  readonly decision: AdmissionDecision;
  /** Jobs that fit now, after this group's pending claims. */
  readonly capacity: number;
  /** Why there is no room, when there is none. */
  readonly detail: string;
}

/** A slot taken before acquiring; bound to the job's pod once the plan is known, released when the job ends. */
export interface Reservation {
  bind(planId: string): void;
  release(): void;
}

interface Pending {
  podName?: string;
}

/** Admission of one RunnerGroup, shared by all its sessions. */
export class GroupAdmission {
  // Both made on first use: an idle group reserves nothing and never waits for room.
  #pending: Set<Pending> | undefined;
  #waiters: Set<() => void> | undefined;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kube: KubernetesPort,
    private readonly group: () => ProvisionerGroup,
    private readonly clock: Clock,
  ) {}

  /** Reads the live snapshot and returns the room left for new jobs. */
  async room(): Promise<Room> {
    const group = this.group();
    const [pods, quotas, limitRanges] = await Promise.all([
      this.kube.listPods(group.namespace, workerPodSelector(group.name)),
      this.kube.listResourceQuotas(group.namespace),
      this.kube.listLimitRanges(group.namespace),
    ]);
    const listed = new Set(pods.map((p) => p.metadata?.name));
    const unseen = [...(this.#pending ?? [])].filter((p) => p.podName === undefined || !listed.has(p.podName)).length;
    const { decision, capacity } = assessAdmission({ group, activePods: pods.filter(isActiveWorkerPod).length, quotas, limitRanges });
    const left = Math.max(0, capacity - unseen);
    if (!decision.admit) return { decision, capacity: 0, detail: `${decision.reason}: ${decision.detail}` };
    return { decision, capacity: left, detail: left > 0 ? '' : `${unseen} claimed job(s) of this group take the remaining room` };
  }

  /** Takes one slot if there is room (atomically with respect to the group's other sessions), else says why not. */
  reserve(): Promise<{ readonly reservation: Reservation } | { readonly reservation?: undefined; readonly detail: string }> {
    const run = this.#lock.then(async () => {
      const room = await this.room();
      if (room.capacity < 1) return { detail: room.detail };
      const pending: Pending = {};
      const all = (this.#pending ??= new Set());
      all.add(pending);
      const group = this.group();
      const reservation: Reservation = {
        bind: (planId) => void (pending.podName = workerPodName(group.name, planId)),
        release: () => {
          if (all.delete(pending)) this.#wake();
        },
      };
      return { reservation };
    });
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** A job of the group ended (or room may have appeared): wake the sessions waiting for room. */
  jobEnded(): void {
    this.#wake();
  }

  #wake(): void {
    if (this.#waiters) for (const wake of [...this.#waiters]) wake();
  }

  /** Waits `ms` on the clock, or less when a job ends or `signal` aborts. */
  async waitForRoom(ms: number, signal: AbortSignal): Promise<void> {
    const early = new AbortController();
    const wake = (): void => early.abort();
    const waiters = (this.#waiters ??= new Set());
    waiters.add(wake);
    const linked = linkSignals(signal, early.signal);
    try {
      await this.clock.sleep(ms, linked.signal);
    } finally {
      waiters.delete(wake);
      linked.dispose();
    }
  }
}
