// Where a sandbox run's time goes: the first moment of each phase (the API up, the gmc started, the first session,
// the first pod running, …), printed as a timeline in the --exit-when-done summary.
import { performance } from 'node:perf_hooks';

/**
 * The env var `pnpm start` (scripts/start.mjs) sets to the epoch ms its own process started at, so the timeline
 * counts from the user's command rather than from the sandbox process (a build in between is not counted).
 */
export const LAUNCHED_AT_ENV = 'AG_SANDBOX_LAUNCHED_AT';

/** One phase: its name and when it was first reached (epoch ms). */
export interface Phase {
  readonly name: string;
  readonly at: number;
}

/** The launcher's start time from the env when it is a plausible epoch ms, else this process's start. */
export function launchedAt(env: NodeJS.ProcessEnv = process.env, processStart = performance.timeOrigin): number {
  const raw = Number(env[LAUNCHED_AT_ENV]);
  return Number.isFinite(raw) && raw > 0 && raw <= processStart ? raw : processStart;
}

/** First-occurrence marks of named phases. */
export class Timeline {
  private readonly phases = new Map<string, number>();

  constructor(readonly zero: number, private readonly now: () => number = Date.now) {}

  /** Records `name` at `at` (default now) unless it was reached before; earlier marks win. */
  mark(name: string, at = this.now()): void {
    const seen = this.phases.get(name);
    if (seen === undefined || at < seen) this.phases.set(name, at);
  }

  has(name: string): boolean {
    return this.phases.has(name);
  }

  /** The phases in time order. */
  list(): Phase[] {
    return [...this.phases].map(([name, at]) => ({ name, at })).sort((a, b) => a.at - b.at);
  }

  /** The printed timeline: seconds since the launch and since the previous phase, one phase a line. */
  lines(): string[] {
    const phases = this.list();
    const width = Math.max(0, ...phases.map((p) => p.name.length));
    let previous = this.zero;
    const out = phases.map((p) => {
      const line = `  ${((p.at - this.zero) / 1000).toFixed(2).padStart(6)}s  ${p.name.padEnd(width)}  +${((p.at - previous) / 1000).toFixed(2)}s`;
      previous = p.at;
      return line;
    });
    return ['timeline (seconds since launch, + since the phase before):', ...out];
  }
}
