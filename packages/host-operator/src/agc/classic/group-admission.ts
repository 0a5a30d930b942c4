/**
 * Claim only what fits (DESIGN §3.1) for one RunnerGroup's sessions: the live admission snapshot (ceiling,
 * tier, ResourceQuota headroom) minus the jobs this group claimed whose pods the snapshot does not show
 * yet. Reserving is serialised (requests that wait together share one snapshot), so two sessions never both
 * take the last slot; a job of the group ending wakes the sessions waiting for room.
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

/** What {@link GroupAdmission.reserve} answers: a slot, or why there is none. */
export type Reserved = { readonly reservation: Reservation } | { readonly reservation?: undefined; readonly detail: string };

interface ReserveRequest {
  resolve(reserved: Reserved): void;
  reject(err: unknown): void;
}

/** Admission of one RunnerGroup, shared by all its sessions. */
export class GroupAdmission {
  // Both made on first use: an idle group reserves nothing and never waits for room.
  #pending: Set<Pending> | undefined;
  #waiters: Set<() => void> | undefined;
  readonly #queue: ReserveRequest[] = [];
  #draining = false;
  #reading: Promise<Room> | undefined;

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

  /**
   * The room as a read in flight sees it, else a fresh read: the sessions' gate before a poll shares one
   * snapshot instead of each listing quotas and limits (`reserve` decides, on a snapshot of its own).
   */
  roomSoon(): Promise<Room> {
    this.#reading ??= this.room().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  /**
   * Takes one slot if there is room, else says why not. Atomic with respect to the group's other sessions:
   * the requests waiting at one moment are served together from one fresh snapshot, in arrival order, as
   * many as it has room for (as if each had read the snapshot after the one before it took its slot).
   */
  reserve(): Promise<Reserved> {
    return new Promise<Reserved>((resolve, reject) => {
      this.#queue.push({ resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      await Promise.resolve(); // the requests of this same turn join the first batch
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        let room: Room;
        try {
          room = await this.room();
        } catch (err) {
          for (const request of batch) request.reject(err);
          continue;
        }
        let left = room.capacity;
        for (const request of batch) {
          if (left < 1) {
            request.resolve({ detail: room.capacity > 0 ? `${room.capacity} slot(s) taken by jobs claimed at the same moment` : room.detail });
            continue;
          }
          left -= 1;
          request.resolve({ reservation: this.#take() });
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  #take(): Reservation {
    const pending: Pending = {};
    const all = (this.#pending ??= new Set());
    all.add(pending);
    const group = this.group();
    return {
      bind: (planId) => void (pending.podName = workerPodName(group.name, planId)),
      release: () => {
        if (all.delete(pending)) this.#wake();
      },
    };
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
