/**
 * Entries Node's own `AbortSignal.any` left on `signal` (its internal set of dependants, which on Node 20 only
 * grows while the signal lives); 0 when there is none. For regression tests of long-lived signals.
 */
export function nodeDependants(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  return key ? ((signal as unknown as Record<symbol, Set<unknown> | undefined>)[key]?.size ?? 0) : 0;
}
