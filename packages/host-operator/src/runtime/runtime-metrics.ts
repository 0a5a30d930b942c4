/**
 * controller-runtime's metric names, registered idempotently on a caller's registry so several queues
 * and controllers share one family each (told apart by the `name` / `controller` label).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** controller-runtime's work-queue latency buckets: 10 ns × 10^n, twelve of them (10 ns … 1000 s). */
const latencyBuckets = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

type Metric = Counter | Gauge | Histogram;

function once<M extends Metric>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/** The work-queue metric families. */
export interface WorkQueueMetrics {
  readonly depth: Gauge<'name'>;
  readonly adds: Counter<'name'>;
  readonly queueDuration: Histogram<'name'>;
  readonly workDuration: Histogram<'name'>;
  readonly retries: Counter<'name'>;
}

/** Registers (or finds) `workqueue_*` on `registry`. */
export function workQueueMetrics(registry: Registry): WorkQueueMetrics {
  const registers = [registry];
  return {
    depth: once(registry, 'workqueue_depth', () => new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers })),
    adds: once(registry, 'workqueue_adds_total', () => new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers })),
    queueDuration: once(registry, 'workqueue_queue_duration_seconds', () => new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name'],
      buckets: latencyBuckets,
      registers,
    })),
    workDuration: once(registry, 'workqueue_work_duration_seconds', () => new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name'],
      buckets: latencyBuckets,
      registers,
    })),
    retries: once(registry, 'workqueue_retries_total', () => new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers })),
  };
}

/** The reconcile outcome label values controller-runtime uses. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';

/** The controller metric families. */
export interface ControllerRuntimeMetrics {
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
}

/** Registers (or finds) `controller_runtime_reconcile_*` on `registry`. */
export function controllerRuntimeMetrics(registry: Registry): ControllerRuntimeMetrics {
  const registers = [registry];
  return {
    reconcileTotal: once(registry, 'controller_runtime_reconcile_total', () => new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    })),
    reconcileErrors: once(registry, 'controller_runtime_reconcile_errors_total', () => new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    })),
    reconcileTime: once(registry, 'controller_runtime_reconcile_time_seconds', () => new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60],
      registers,
    })),
  };
}
