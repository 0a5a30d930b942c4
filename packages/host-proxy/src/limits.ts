// Limits of the proxy and the clock that measures them. The clock is injected so that tests can move time
// for the idle, lifetime, header and dial limits without sleeping.

/** A scheduled callback that can be cancelled. */
export interface ClockTimer {
  cancel(): void;
}

/** Time source and timer factory; `systemClock` in production, a fake one in tests. */
export interface Clock {
  /** Milliseconds on any monotonic-enough scale. */
  now(): number;
  /** Calls `fn` once after `ms`; a pending timer never keeps the process alive on its own. */
  setTimer(fn: () => void, ms: number): ClockTimer;
}

/** The real clock: `performance.now()` and unref'd timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Every limit the proxy enforces, in milliseconds or counts. */
export interface ProxyLimits {
  /** Time for a client to send its whole request head (slowloris guard). */
  readonly headerTimeoutMs: number;
  /** Largest request head accepted, request line included. */
  readonly maxHeaderBytes: number;
  /** Time to open the upstream TCP connection. */
  readonly dialTimeoutMs: number;
  /** A tunnel with no bytes in either direction for this long is closed. */
  readonly idleTimeoutMs: number;
  /** A tunnel is closed this long after it opened, whatever its traffic. */
  readonly maxLifetimeMs: number;
  /** Tunnels open or being dialled at once; more get 503. */
  readonly maxTunnels: number;
  /** On drain, how long open tunnels may run on before they are cut. */
  readonly drainGraceMs: number;
}

/** Defaults: the seed's 5 s header timeout, 10 s dial, 5 min idle, 6 h lifetime. */
export const defaultLimits: ProxyLimits = {
  headerTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  dialTimeoutMs: 10_000,
  idleTimeoutMs: 5 * 60_000,
  maxLifetimeMs: 6 * 3_600_000,
  maxTunnels: 1_000,
  drainGraceMs: 55_000,
};

/**
 * How often idle and lifetime are checked. Tunnels only set a flag on traffic (no timer reset per chunk), and
 * one sweep per tick judges them all, so a limit fires between its value and its value plus one tick.
 */
export function sweepIntervalMs(limits: ProxyLimits): number {
  return Math.max(1, Math.min(1_000, Math.floor(Math.min(limits.idleTimeoutMs, limits.maxLifetimeMs) / 10)));
}
