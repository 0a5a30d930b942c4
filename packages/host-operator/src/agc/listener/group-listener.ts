/**
 * The seam between the RunnerGroup controller and an acquisition tier (DESIGN §3.2). The controller owns
 * one {@link GroupListener} per RunnerGroup, made by the tier's {@link ListenerTierFactory}; the classic
 * tier (agent pool + multiplexer of broker sessions) and the scale-set tier (one scale-set session) both
 * implement it, so the controller, status, reaper and host never know which tier runs a group.
 */
import type { ConditionInput, KubernetesPort, Logger, ProvisionPorts, ProvisionerGroup, RunnerGroup, Clock, WorkerPodJobRef } from '@actions-gateway/core';
import type { ControllerMetrics } from '@actions-gateway/metrics';
import type { GitHubTarget, HttpOptions, TokenSource } from '@actions-gateway/broker-client';
import type { InFlightJobs } from './in-flight-jobs.js';

/** One RunnerGroup as a listener sees it: the object (defaults applied) and the provisioner's view of it. */
export interface ListenerGroup {
  readonly runnerGroup: RunnerGroup;
  readonly provisioner: ProvisionerGroup;
}

/** Why a listener is stopped: the AGC shuts down (pods keep running), or the RunnerGroup is being deleted. */
export type ListenerStopReason = 'shutdown' | 'deleted';

/** A running tier for one RunnerGroup: its sessions at GitHub and the jobs it claimed. */
export interface GroupListener {
  /** Applies a changed RunnerGroup (maxListeners, template, tiers, retry settings); new jobs see it at once. */
  update(group: ListenerGroup): void;
  /** Sessions open at GitHub now: `status.activeSessions` (the `active_sessions` gauge is kept by the tier). */
  activeSessions(): number;
  /**
   * The listener-owned conditions at their current values (Degraded, RateLimited, RunnerVersionTooOld,
   * and any tier-specific one). A condition whose cause went away is reported False, not dropped.
   */
  conditions(): readonly ConditionInput[];
  /**
   * Stops polling and hands back what it holds (sessions deleted; on `deleted` also agents deregistered and
   * their Secrets removed). Jobs whose pods run keep running: the next AGC adopts or reaps them.
   * Resolves when every session loop has ended.
   */
  stop(reason: ListenerStopReason): Promise<void>;
  /**
   * Optional (added by the host): cancels at GitHub the job a worker pod runs, for the reaper's stuck-Pending
   * pods. Resolves true when this listener held the job and cancelled it. Without it the job's lock simply
   * lapses (renewal stops when the pod goes) and GitHub cancels it.
   */
  cancelJob?(job: WorkerPodJobRef): Promise<boolean>;
}

/** How the AGC reaches GitHub: the target parsed from `GITHUB_ORG_URL`, the installation token, the transport. */
export interface GitHubAccess {
  readonly target: GitHubTarget;
  readonly tokens: TokenSource;
  /** The dispatcher (egress proxy) and limits every broker and REST call uses. */
  readonly http: HttpOptions;
  /** `GITHUB_RUNNER_VERSION`. */
  readonly runnerVersion: string;
}

/** Everything a tier needs for one RunnerGroup. */
export interface ListenerContext {
  readonly group: ListenerGroup;
  readonly github: GitHubAccess;
  readonly kubernetes: KubernetesPort;
  /** The provisioner's ports (kubernetes, clock, metrics, logger, tracer, rerunner), shared by all groups. */
  readonly provision: ProvisionPorts;
  /** Every AGC metric; a tier updates the listener-level ones (sessions, polls, acquisitions, recycles). */
  readonly metrics: ControllerMetrics;
  /** Plan ids (and request ids) claimed by any session of this AGC: one job never becomes two pods. */
  readonly inFlight: InFlightJobs;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Asks the controller to reconcile the group soon (sessions or conditions changed). */
  readonly onChange: () => void;
}

/** Makes the listener of one RunnerGroup; it starts its sessions before returning. */
export type ListenerTierFactory = (context: ListenerContext) => GroupListener;
