/**
 * The one function that builds a component's metrics: every catalogue entry of that component,
 * registered with exact names on a prom-client registry, returned as typed handles.
 */
import { Registry } from 'prom-client';
import { catalogueFor, type CatalogueEntry, type MetricKeyOf } from './catalogue.js';
import { registerHandle, type HandleOf } from './handles.js';

/** Components that register metrics. The GMC and AGC share the controller set. */
export type MetricsComponent = 'controller' | 'proxy';

/** The typed handles of a component, keyed by the catalogue's handle keys. */
export type MetricsOf<C extends MetricsComponent> = {
  readonly [K in MetricKeyOf<C>]: HandleOf<Extract<CatalogueEntry, { key: K }>>;
} & { readonly registry: Registry };

/** The handles of the controllers (GMC and AGC). */
export type ControllerMetrics = MetricsOf<'controller'>;
/** The handles of the egress proxy. */
export type ProxyMetrics = MetricsOf<'proxy'>;

/** Options of {@link createMetrics}. */
export interface CreateMetricsOptions {
  /** Where to register; a new registry when absent. Libraries never touch prom-client's global one. */
  readonly registry?: Registry;
  /** Sets `actions_gateway_build_info{version, component}` to 1 when given. */
  readonly buildInfo?: { readonly version: string; readonly component: string };
}

/**
 * Registers every metric of `component` and returns its typed handles.
 *
 * @example
 * const metrics = createMetrics('controller', { buildInfo: { version: '0.1.0', component: 'agc' } });
 * metrics.jobsAcquired.inc({ namespace: 'team-a', runner_group: 'cpu' });
 * const text = await metrics.registry.metrics();
 */
export function createMetrics<C extends MetricsComponent>(component: C, options: CreateMetricsOptions = {}): MetricsOf<C> {
  const registry = options.registry ?? new Registry();
  const handles: Record<string, unknown> = { registry };
  for (const def of catalogueFor(component)) {
    handles[def.key] = registerHandle(def, registry);
  }
  const metrics = handles as MetricsOf<C>;
  if (options.buildInfo) {
    const { version, component: name } = options.buildInfo;
    (metrics as unknown as ControllerMetrics).buildInfo.set({ version, component: name }, 1);
  }
  return metrics;
}
