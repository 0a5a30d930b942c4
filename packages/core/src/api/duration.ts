// Go-style duration strings ("1m30s", "500ms", "12h"): the CRD format of every duration field.

const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * The pattern every duration field carries in the CRD. It accepts the subset of Go's syntax that CEL's
 * `duration()` also accepts: one or more `<number><unit>` parts, units ns|us|ms|s|m|h, no sign.
 */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$';
const durationRegExp = new RegExp(DURATION_PATTERN);
const partRegExp = /([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)/g;

/** Error thrown by {@link parseDuration}; `field` names the offending field. */
export class DurationError extends Error {
  /** The field path that held the bad value. */
  readonly field: string;
  constructor(field: string, value: unknown) {
    super(`${field}: ${JSON.stringify(value)} is not a duration (use Go syntax such as "30s", "5m", "1h30m")`);
    this.name = 'DurationError';
    this.field = field;
  }
}

/** Parses without throwing: milliseconds, or `undefined` when `value` is not a duration string. */
export function tryParseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 64 || !durationRegExp.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(partRegExp)) total += Number(m[1]) * (unitMs[m[2] ?? ''] ?? Number.NaN);
  return Number.isFinite(total) ? total : undefined;
}

/**
 * Parses a Go-style duration string into milliseconds (`parseDuration('1m30s')` → 90000).
 * @throws DurationError naming `field` when the value is not a duration.
 */
export function parseDuration(value: string, field = 'duration'): number {
  const ms = tryParseDuration(value);
  if (ms === undefined) throw new DurationError(field, value);
  return ms;
}

/** Formats milliseconds as a Go-style duration ("1h30m", "5s", "0s"); sub-millisecond parts are dropped. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.floor(ms);
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
