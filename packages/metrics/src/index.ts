/**
 * `@actions-gateway/metrics`: every metric of the Actions Gateway in one prom-client registry, with typed
 * handles, and the catalogue as data.
 */
export { createMetrics } from './registry.js';
export type { ControllerMetrics, CreateMetricsOptions, MetricsComponent, MetricsOf, ProxyMetrics } from './registry.js';
export { acquisitionTiers, catalogueFor, metricCatalogue, metricsOfTier } from './catalogue.js';
export type {
  AcquisitionTier,
  CatalogueEntry,
  LabelDomain,
  MetricComponent,
  MetricDefinition,
  MetricEmitter,
  MetricKeyOf,
  MetricType,
} from './catalogue.js';
export type { CounterHandle, GaugeHandle, HandleOf, HistogramHandle, LabelsOf } from './handles.js';
export { renderMetricsMarkdown } from './markdown.js';
export { renderExposition } from './exposition.js';
