/**
 * Lease-based leader election (coordination.k8s.io/v1), client-go's algorithm: a candidate takes the
 * Lease when it is free (no holder, e.g. released on shutdown) or when the record it observed has not
 * changed for `leaseDuration` of its *own* clock (no cross-node clock comparison); writes are
 * optimistic (replace with resourceVersion; 409 means someone else won); the leader renews every
 * `retryPeriod` and stops leading when it could not renew for `renewDeadline`. Timestamps are
 * `V1MicroTime`, which serialises with the six fractional digits the API server demands.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep, systemClock, type Clock } from './clock.js';
import { isConflict, isNotFound, toKubeError } from './kube-error.js';
import { silentLogger, type RuntimeLogger } from './logger.js';

/** Election timings in ms. */
export interface LeaderElectionTimings {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** controller-runtime's defaults: lease 15 s, renew deadline 10 s, retry 2 s. */
export const defaultLeaderElectionTimings: LeaderElectionTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** Throws an error naming the rule when the timings are unusable (all > 0, lease > renew > 1.2 × retry). */
export function validateLeaderElectionTimings(t: LeaderElectionTimings): void {
  const { leaseDurationMs: lease, renewDeadlineMs: renew, retryPeriodMs: retry } = t;
  if (!(lease > 0) || !(renew > 0) || !(retry > 0)) {
    throw new Error(`leader election: lease duration, renew deadline and retry period must all be positive (got ${lease}ms, ${renew}ms, ${retry}ms)`);
  }
  if (!(lease > renew)) throw new Error(`leader election: lease duration (${lease}ms) must be greater than renew deadline (${renew}ms)`);
  if (!(renew > 1.2 * retry)) throw new Error(`leader election: renew deadline (${renew}ms) must be greater than 1.2 × retry period (${retry}ms)`);
}

/** `<pod name>_<uuid>`: unique per process even when two share a pod name. */
export function leaderIdentity(podName = process.env['POD_NAME'] ?? hostname()): string {
  return `${podName}_${randomUUID()}`;
}

/** How an elector is built. */
export interface LeaderElectorOptions extends Partial<LeaderElectionTimings> {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The Lease name, e.g. `actions-gateway-gmc-leader`. */
  readonly leaseName: string;
  /** Defaults to {@link leaderIdentity}(). */
  readonly identity?: string;
  /** Give the Lease up when stopped while leading (true when absent). */
  readonly releaseOnStop?: boolean;
  readonly clock?: Clock;
  readonly logger?: RuntimeLogger;
  /** Called when this process becomes leader; `signal` aborts when it stops leading. */
  readonly onStartedLeading: (signal: AbortSignal) => void;
  /** Called once when leadership ends (lost, or released by `stop`). Hosts exit unless they are stopping. */
  readonly onStoppedLeading?: (reason: 'lost' | 'stopped') => void;
  /** Called when the observed leader changes (including to this process). */
  readonly onNewLeader?: (identity: string) => void;
}

/** A Lease leader elector. */
export class LeaderElector {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly timings: LeaderElectionTimings;
  private readonly clock: Clock;
  private readonly log: RuntimeLogger;
  private readonly stopController = new AbortController();
  private leading: AbortController | undefined;
  private observed: { holder: string; renew: string; at: number } | undefined;
  private lastRenew = 0;
  private loop: Promise<void> | undefined;
  private knownLeader = '';

  constructor(private readonly options: LeaderElectorOptions) {
    this.timings = {
      leaseDurationMs: options.leaseDurationMs ?? defaultLeaderElectionTimings.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs ?? defaultLeaderElectionTimings.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs ?? defaultLeaderElectionTimings.retryPeriodMs,
    };
    validateLeaderElectionTimings(this.timings);
    this.identity = options.identity ?? leaderIdentity();
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
  }

  /** True while this process holds the Lease. */
  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** For /healthz: false when leading but the last renewal is older than the lease duration. */
  healthy(): boolean {
    return !this.leading || this.clock.now() - this.lastRenew <= this.timings.leaseDurationMs;
  }

  /** Starts campaigning in the background (idempotent). */
  start(): void {
    if (this.loop || this.stopController.signal.aborted) return;
    this.loop = this.run().catch((err: unknown) => this.log.error({ err }, 'leader election loop crashed'));
  }

  /** Stops campaigning; when leading, stops leading and releases the Lease (unless told not to). */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const stop = this.stopController.signal;
    while (!stop.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.lastRenew = this.clock.now();
        this.becomeLeader();
        await this.renewLoop();
        return;
      }
      await sleep(this.clock, this.timings.retryPeriodMs * (1 + 0.2 * Math.random()), stop);
    }
  }

  private becomeLeader(): void {
    this.leading = new AbortController();
    this.log.info({ lease: this.options.leaseName, identity: this.identity }, 'became leader');
    this.options.onStartedLeading(this.leading.signal);
  }

  private async renewLoop(): Promise<void> {
    const stop = this.stopController.signal;
    while (!stop.aborted) {
      await sleep(this.clock, this.timings.retryPeriodMs, stop);
      if (stop.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        this.lastRenew = this.clock.now();
        continue;
      }
      if (this.clock.now() - this.lastRenew >= this.timings.renewDeadlineMs) {
        this.log.error({ lease: this.options.leaseName, renewDeadlineMs: this.timings.renewDeadlineMs }, 'failed to renew the lease within the renew deadline; stopping leading');
        this.stepDown('lost');
        return;
      }
    }
    if (this.options.releaseOnStop ?? true) await this.release();
    this.stepDown('stopped');
  }

  private stepDown(reason: 'lost' | 'stopped'): void {
    if (!this.leading) return;
    this.leading.abort();
    this.leading = undefined;
    this.options.onStoppedLeading?.(reason);
  }

  private now(): V1MicroTime {
    return new V1MicroTime(this.clock.now());
  }

  private spec(acquireTime: Date | undefined, transitions: number): V1Lease['spec'] {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.timings.leaseDurationMs / 1000),
      acquireTime: acquireTime ? new V1MicroTime(acquireTime.getTime()) : this.now(),
      renewTime: this.now(),
      leaseTransitions: transitions,
    };
  }

  private observe(holder: string, renew: string): void {
    if (!this.observed || this.observed.holder !== holder || this.observed.renew !== renew) {
      this.observed = { holder, renew, at: this.clock.now() };
    }
    if (holder !== this.knownLeader) {
      this.knownLeader = holder;
      if (holder) this.options.onNewLeader?.(holder);
    }
  }

  /** One attempt; true when this process holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName: name } = this.options;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) {
        this.log.warn({ err: toKubeError(err), lease: name }, 'reading the lease failed');
        return false;
      }
      try {
        await this.api.createNamespacedLease({ namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: this.spec(undefined, 0) } });
        this.observe(this.identity, '');
        return true;
      } catch (createErr) {
        if (!isConflict(createErr)) this.log.warn({ err: toKubeError(createErr), lease: name }, 'creating the lease failed');
        return false;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renew = spec.renewTime ? new Date(spec.renewTime).toISOString() : '';
    this.observe(holder, renew);
    const mine = holder === this.identity;
    const expired = this.observed !== undefined && this.observed.at + this.timings.leaseDurationMs <= this.clock.now();
    if (holder !== '' && !mine && !expired) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
    try {
      const updated = await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: { ...lease, spec: this.spec(mine && spec.acquireTime ? new Date(spec.acquireTime) : undefined, transitions) },
      });
      this.observe(this.identity, updated.spec?.renewTime ? new Date(updated.spec.renewTime).toISOString() : '');
      return true;
    } catch (err) {
      if (!isConflict(err)) this.log.warn({ err: toKubeError(err), lease: name }, 'updating the lease failed');
      return false;
    }
  }

  /** Empties the holder so a candidate takes over at once instead of waiting out the lease. */
  private async release(): Promise<void> {
    const { namespace, leaseName: name } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== this.identity) return;
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: this.now(), acquireTime: this.now() } },
      });
      this.log.info({ lease: name, identity: this.identity }, 'released the lease');
    } catch (err) {
      this.log.warn({ err: toKubeError(err), lease: name }, 'releasing the lease failed');
    }
  }
}
