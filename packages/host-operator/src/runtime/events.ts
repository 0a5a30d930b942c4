/**
 * An Event recorder on events.k8s.io/v1. Repeats of the same (object, type, reason, action, note)
 * within `aggregateWindowMs` are folded into the first Event's `series` (count, lastObservedTime)
 * instead of creating new objects, as client-go's recorder does. Recording never throws: a failed
 * Event write is logged and dropped, because an Event must not fail a reconcile.
 */
import { EventsV1Api, PatchStrategy, V1MicroTime, setHeaderOptions, type EventsV1Event, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import { silentLogger, type RuntimeLogger } from './logger.js';
import type { KubeObject } from './object.js';

/** Event type. */
export type EventType = 'Normal' | 'Warning';

/** How a recorder is built. */
export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  /** `reportingController`, e.g. `actionsgateway-controller`. */
  readonly controller: string;
  /** `reportingInstance`, e.g. the pod name. */
  readonly instance: string;
  /** Fold repeats seen within this window; 10 min when absent. */
  readonly aggregateWindowMs?: number;
  readonly clock?: Clock;
  readonly logger?: RuntimeLogger;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  last: number;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Records events.k8s.io/v1 Events about objects. */
export class EventRecorder {
  private readonly api: EventsV1Api;
  private readonly clock: Clock;
  private readonly log: RuntimeLogger;
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly options: EventRecorderOptions) {
    this.api = options.kubeConfig.makeApiClient(EventsV1Api);
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
  }

  /** Records an Event about `regarding`; resolves once written (or dropped after logging). */
  async record(regarding: KubeObject, type: EventType, reason: string, action: string, note: string): Promise<void> {
    const namespace = regarding.metadata?.namespace ?? 'default';
    const dedupKey = [regarding.metadata?.uid, regarding.metadata?.name, namespace, type, reason, action, note].join('\u0000');
    const now = this.clock.now();
    const window = this.options.aggregateWindowMs ?? 600_000;
    this.prune(now, window);
    const prior = this.seen.get(dedupKey);
    try {
      if (prior && now - prior.last <= window) {
        prior.count++;
        prior.last = now;
        await this.api.patchNamespacedEvent(
          { name: prior.name, namespace: prior.namespace, body: { series: { count: prior.count, lastObservedTime: new V1MicroTime(now) } } },
          mergePatch,
        );
        return;
      }
      const name = `${regarding.metadata?.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
      const event: EventsV1Event = {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: new V1MicroTime(now),
        type,
        reason,
        action,
        note: note.slice(0, 1024),
        reportingController: this.options.controller,
        reportingInstance: this.options.instance,
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata?.name,
          namespace: regarding.metadata?.namespace,
          uid: regarding.metadata?.uid,
          resourceVersion: regarding.metadata?.resourceVersion,
        },
      };
      await this.api.createNamespacedEvent({ namespace, body: event });
      this.seen.set(dedupKey, { name, namespace, count: 1, last: now });
    } catch (err) {
      this.log.warn({ err, reason, object: `${namespace}/${regarding.metadata?.name ?? ''}` }, 'event not recorded');
    }
  }

  private prune(now: number, window: number): void {
    for (const [key, s] of this.seen) if (now - s.last > window) this.seen.delete(key);
  }
}
