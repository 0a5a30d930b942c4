/**
 * `Retry-After` in both of its RFC 9110 forms. Returns the wait in milliseconds, or undefined when the header
 * is absent or unreadable (the caller then falls back to {@link rateLimitFallbackMs}).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  // delta-seconds; GAG saw fractional values, so accept a decimal too.
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The wait after the `n`-th consecutive 429 (1-based) that came without a usable `Retry-After`: 5 s doubling to 5 min. */
export function rateLimitFallbackMs(consecutive: number): number {
  const exponent = Math.max(0, Math.min(consecutive - 1, 10));
  return Math.min(5_000 * 2 ** exponent, 300_000);
}
