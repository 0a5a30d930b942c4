import type { GroupLabels, Logger, ProvisionerMetrics, ReapReason } from '../../../src/index.js';

interface Sample {
  readonly metric: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Metrics kept as samples, named as the seed names them. */
export class RecordingMetrics implements ProvisionerMetrics {
  readonly samples: Sample[] = [];
  #add = (metric: string, labels: object, value: number): void => {
    this.samples.push({ metric, labels: { ...(labels as Record<string, string>) }, value });
  };
  readonly podCreationLatency = { observe: (l: { namespace: string }, s: number): void => this.#add('pod_creation_latency_seconds', l, s) };
  readonly jobDuration = { observe: (l: GroupLabels, s: number): void => this.#add('job_duration_seconds', l, s) };
  readonly evictionRetries = { inc: (l: GroupLabels): void => this.#add('eviction_retries_total', l, 1) };
  readonly evictionRetriesExhausted = { inc: (l: GroupLabels): void => this.#add('eviction_retries_exhausted_total', l, 1) };
  readonly workerPodsReaped = { inc: (l: GroupLabels & { reason: ReapReason }): void => this.#add('worker_pods_reaped_total', l, 1) };
  readonly renewJobErrors = { inc: (l: { namespace: string }): void => this.#add('renewjob_errors_total', l, 1) };

  /** Samples of a metric whose labels include `labels`. */
  of(metric: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  count(metric: string, labels: Record<string, string> = {}): number {
    return this.of(metric, labels).reduce((n, s) => n + s.value, 0);
  }
}

/** Log lines kept in order. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  debug(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'debug', msg, fields });
  }
  info(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'info', msg, fields });
  }
  warn(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'warn', msg, fields });
  }
  error(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'error', msg, fields });
  }
}
