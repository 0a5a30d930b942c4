// A small GroupListener for the controller's tests: it records what the controller asks of it and reports
// the sessions and conditions the test sets. It stands in for an acquisition tier, not for the controller.
import type { ConditionInput, WorkerPodJobRef } from '@actions-gateway/core';
import type { GroupListener, ListenerContext, ListenerGroup, ListenerStopReason, ListenerTierFactory } from '../../../src/agc/listener/group-listener.js';

export class RecordingListener implements GroupListener {
  sessions = 1;
  conds: ConditionInput[] = [];
  readonly updates: ListenerGroup[] = [];
  readonly stops: ListenerStopReason[] = [];
  readonly cancelled: WorkerPodJobRef[] = [];
  constructor(readonly context: ListenerContext) {
    context.metrics.activeSessions.set({ namespace: context.group.provisioner.namespace, runner_group: context.group.provisioner.name }, this.sessions);
  }
  update(group: ListenerGroup): void {
    this.updates.push(group);
  }
  activeSessions(): number {
    return this.stops.length > 0 ? 0 : this.sessions;
  }
  conditions(): readonly ConditionInput[] {
    return this.conds;
  }
  stop(reason: ListenerStopReason): Promise<void> {
    this.stops.push(reason);
    return Promise.resolve();
  }
  cancelJob(job: WorkerPodJobRef): Promise<boolean> {
    this.cancelled.push(job);
    return Promise.resolve(true);
  }
  /** Changes what the listener reports and tells the controller. */
  set(change: { sessions?: number; conditions?: ConditionInput[] }): void {
    if (change.sessions !== undefined) this.sessions = change.sessions;
    if (change.conditions) this.conds = change.conditions;
    this.context.onChange();
  }
}

/** A tier factory that keeps every listener it made, by group name. */
export function recordingTier(): { factory: ListenerTierFactory; listeners: Map<string, RecordingListener[]> } {
  const listeners = new Map<string, RecordingListener[]>();
  return {
    listeners,
    factory: (context) => {
      const l = new RecordingListener(context);
      const list = listeners.get(context.group.provisioner.name) ?? [];
      list.push(l);
      listeners.set(context.group.provisioner.name, list);
      return l;
    },
  };
}
