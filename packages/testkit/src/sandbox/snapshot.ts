// Reads one frame of the live view from the running sandbox: the fakes' state and the supervised children.
import type { Obj } from '../apiserver/json.js';
import type { Sandbox } from './run.js';
import { podPhases } from './run.js';
import type { Snapshot } from './view.js';

const readyOf = (o: Obj | undefined): string =>
  ((o?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready')?.status ?? 'Unknown';

/** The current snapshot of a sandbox. */
export function snapshotOf(s: Sandbox): Snapshot {
  const namespaces = s.tenants.map((t) => t.namespace);
  const tenants = s.tenants.map((t) => {
    const gw = s.api.store.get({ apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'ActionsGateway', namespace: t.namespace, name: 'gw' });
    const groups = (s.api.store.list('actions-gateway.github.com/v1alpha1', 'RunnerGroup', t.namespace)).map((g) => ({
      name: String((g.metadata as { name?: string }).name),
      protocol: String((g.spec as { acquisitionProtocol?: string } | undefined)?.acquisitionProtocol ?? 'ScaleSet'),
      ready: readyOf(g),
      sessions: Number((g.status as { activeSessions?: number } | undefined)?.activeSessions ?? 0),
    }));
    return { namespace: t.namespace, ready: readyOf(gw), groups };
  });
  const counts = s.jobs ? s.jobs.counts() : { queued: 0, running: 0, done: 0, failed: 0 };
  return {
    elapsedMs: Date.now() - s.startedAt,
    tenants,
    sessions: s.github ? s.github.control.sessions().filter((x) => x.status === 'active').length + s.github.control.scaleSets().filter((x) => x.sessionId).length : 0,
    jobs: { ...counts, total: s.jobs ? s.jobs.all().length : 0 },
    pods: s.api ? podPhases(s.api, namespaces) : {},
    children: s.supervisor.views(),
    endpoints: s.endpoints,
    events: s.events,
  };
}
