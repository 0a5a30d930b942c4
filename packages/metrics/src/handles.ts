/**
 * Typed handles over prom-client metrics. Label values the reference fixes are unions at compile time
 * and are checked at run time for untyped callers: an unknown value goes to the domain's fallback
 * (`other`) when it has one, and is otherwise rejected with an error naming the metric and the label.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CatalogueEntry, MetricDefinition } from './catalogue.js';

type DomainValues<E, L extends string> = E extends { labelDomains: infer D }
  ? L extends keyof D
    ? D[L] extends { values: readonly (infer V)[] }
      ? V
      : string
    : string
  : string;

/** The label object a catalogue entry's handle takes. */
export type LabelsOf<E extends { labelNames: readonly string[] }> = {
  readonly [L in E['labelNames'][number]]: DomainValues<E, L>;
};

/** Arguments of a handle call: the labels first, unless the metric has none. */
type Args<Lb, Rest extends unknown[]> = [keyof Lb] extends [never] ? Rest : [labels: Lb, ...Rest];

/** A typed counter: `inc` takes exactly the metric's labels. */
export interface CounterHandle<Lb> {
  readonly name: string;
  inc(...args: Args<Lb, [value?: number]>): void;
  /** Drops the series of these labels, e.g. when a RunnerGroup is deleted. */
  remove(...args: Args<Lb, []>): void;
  readonly metric: Counter;
}

/** A typed gauge: `set`, `inc` and `dec` take exactly the metric's labels. */
export interface GaugeHandle<Lb> {
  readonly name: string;
  set(...args: Args<Lb, [value: number]>): void;
  inc(...args: Args<Lb, [value?: number]>): void;
  dec(...args: Args<Lb, [value?: number]>): void;
  remove(...args: Args<Lb, []>): void;
  readonly metric: Gauge;
}

/** A typed histogram: `observe` takes exactly the metric's labels and a value in seconds. */
export interface HistogramHandle<Lb> {
  readonly name: string;
  observe(...args: Args<Lb, [seconds: number]>): void;
  remove(...args: Args<Lb, []>): void;
  readonly metric: Histogram;
}

/** The handle type of one catalogue entry. */
export type HandleOf<E extends CatalogueEntry> = E extends { type: 'counter' }
  ? CounterHandle<LabelsOf<E>>
  : E extends { type: 'gauge' }
    ? GaugeHandle<LabelsOf<E>>
    : HistogramHandle<LabelsOf<E>>;

type Labels = Record<string, string>;

/** Checks and normalises the labels of one call; throws an error naming the metric and label. */
function labelChecker(def: MetricDefinition): (labels: unknown) => Labels {
  const domains = new Map<string, { values: ReadonlySet<string>; fallback?: string }>();
  for (const [label, domain] of Object.entries(def.labelDomains ?? {})) {
    domains.set(label, { values: new Set(domain.values), ...(domain.fallback ? { fallback: domain.fallback } : {}) });
  }
  const names = def.labelNames;
  return (labels: unknown): Labels => {
    if (labels === null || typeof labels !== 'object') {
      throw new Error(`metric ${def.name}: expected labels {${names.join(', ')}}, got ${String(labels)}`);
    }
    const given = labels as Record<string, unknown>;
    const out: Labels = {};
    for (const label of names) {
      const value = given[label];
      if (typeof value !== 'string' || value === '') {
        throw new Error(`metric ${def.name}: label "${label}" must be a non-empty string, got ${JSON.stringify(value)}`);
      }
      const domain = domains.get(label);
      if (domain && !domain.values.has(value)) {
        if (domain.fallback === undefined) {
          throw new Error(
            `metric ${def.name}: label "${label}" has value "${value}", which is not one of ${[...domain.values].join(', ')}`,
          );
        }
        out[label] = domain.fallback;
      } else {
        out[label] = value;
      }
    }
    if (Object.keys(given).length !== names.length) {
      const extra = Object.keys(given).filter((k) => !names.includes(k));
      if (extra.length > 0) throw new Error(`metric ${def.name}: unknown label(s) ${extra.join(', ')}`);
    }
    return out;
  };
}

/** Splits a handle call into (labels, rest) by whether the metric has labels. */
function splitter(def: MetricDefinition): (args: unknown[]) => [Labels | undefined, unknown[]] {
  if (def.labelNames.length === 0) return (args) => [undefined, args];
  const check = labelChecker(def);
  return (args) => [check(args[0]), args.slice(1)];
}

function numberOr(value: unknown, fallback: number | undefined, def: MetricDefinition): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new Error(`metric ${def.name}: value must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Registers one catalogue entry on `registry` and returns its typed handle. */
export function registerHandle(def: MetricDefinition, registry: Registry): unknown {
  const split = splitter(def);
  const base = { name: def.name, help: def.help, labelNames: [...def.labelNames], registers: [registry] };
  switch (def.type) {
    case 'counter': {
      const metric = new Counter(base);
      return {
        name: def.name,
        metric,
        inc: (...args: unknown[]) => {
          const [labels, [value]] = split(args);
          const amount = numberOr(value, 1, def);
          if (labels) metric.inc(labels, amount);
          else metric.inc(amount);
        },
        remove: (...args: unknown[]) => {
          const [labels] = split(args);
          if (labels) metric.remove(labels);
        },
      } satisfies CounterHandle<Labels>;
    }
    case 'gauge': {
      const metric = new Gauge(base);
      const apply = (op: 'set' | 'inc' | 'dec', fallback: number | undefined) => (...args: unknown[]) => {
        const [labels, [value]] = split(args);
        const amount = numberOr(value, fallback, def);
        if (labels) metric[op](labels, amount);
        else metric[op](amount);
      };
      return {
        name: def.name,
        metric,
        set: apply('set', undefined),
        inc: apply('inc', 1),
        dec: apply('dec', 1),
        remove: (...args: unknown[]) => {
          const [labels] = split(args);
          if (labels) metric.remove(labels);
        },
      } satisfies GaugeHandle<Labels>;
    }
    case 'histogram': {
      const metric = new Histogram({ ...base, buckets: [...(def.buckets ?? [])] });
      return {
        name: def.name,
        metric,
        observe: (...args: unknown[]) => {
          const [labels, [value]] = split(args);
          const seconds = numberOr(value, undefined, def);
          if (labels) metric.observe(labels, seconds);
          else metric.observe(seconds);
        },
        remove: (...args: unknown[]) => {
          const [labels] = split(args);
          if (labels) metric.remove(labels);
        },
      } satisfies HistogramHandle<Labels>;
    }
  }
}
