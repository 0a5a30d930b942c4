/**
 * GitHub's egress ranges (gag-system §3.11): `GET <api>/meta`, the `api`, `actions` and `web` arrays in
 * that order, invalid CIDRs skipped, duplicates dropped. The refresher runs once at start, retrying
 * with backoff (1 s doubling to 30 s) until the first success, then every 24 h; each run stores the
 * snapshot the reconciler reads and pushes it into every tenant's proxy NetworkPolicy through `apply`.
 */
import { isIP } from 'node:net';
import { linkSignals } from '@actions-gateway/core';
import { Backoff } from '../runtime/backoff.js';
import { sleep, systemClock, type Clock } from '../runtime/clock.js';
import { silentLogger, type RuntimeLogger } from '../runtime/logger.js';

/** True for `a.b.c.d/n` (n ≤ 32) and IPv6 `x::/n` (n ≤ 128). */
export function isCidr(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const family = isIP(value.slice(0, slash));
  const bits = value.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** Fetches GitHub's `/meta` and returns the combined CIDR list; throws on non-200 or a bad body. */
export async function fetchGitHubCidrs(apiUrl: string, timeoutMs = 60_000, signal?: AbortSignal): Promise<string[]> {
  const url = `${apiUrl.replace(/\/$/, '')}/meta`;
  // The gmc's signal lives as long as the process: linked per refresh, unlinked after it (see linkSignals).
  const linked = linkSignals(signal, AbortSignal.timeout(timeoutMs));
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, signal: linked.signal });
    if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
    const body = (await res.json()) as Record<string, unknown>;
    const out: string[] = [];
    for (const key of ['api', 'actions', 'web']) {
      const list = body[key];
      if (!Array.isArray(list)) continue;
      for (const c of list) if (isCidr(c) && !out.includes(c)) out.push(c);
    }
    return out;
  } finally {
    linked.dispose();
  }
}

/** The shared snapshot of GitHub CIDRs; empty until the first successful fetch. */
export class IpRangeCache {
  private cidrs: readonly string[] = [];
  /** The current list (frozen; empty before the first success). */
  snapshot(): readonly string[] {
    return this.cidrs;
  }
  /** Replaces the list. */
  set(cidrs: readonly string[]): void {
    this.cidrs = Object.freeze([...cidrs]);
  }
}

/** How the refresher is built. */
export interface IpRangeRefresherOptions {
  readonly cache: IpRangeCache;
  /** Fetches the CIDRs; {@link fetchGitHubCidrs} against `--github-api-url` in the GMC. */
  readonly fetch: (signal: AbortSignal) => Promise<string[]>;
  /** Pushes the snapshot into every managed gateway; called after each successful fetch. */
  readonly apply: (cidrs: readonly string[]) => Promise<void>;
  /** 24 h when absent. */
  readonly periodMs?: number;
  readonly clock?: Clock;
  readonly logger?: RuntimeLogger;
}

/** The 24 h refresh loop. */
export class IpRangeRefresher {
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private succeeded = false;

  constructor(private readonly options: IpRangeRefresherOptions) {}

  /** True after the first successful fetch. */
  get ready(): boolean {
    return this.succeeded;
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => (this.options.logger ?? silentLogger).error({ err }, 'ip range refresher crashed'));
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loop;
  }

  /** One run: fetch, store, apply. Throws when the fetch or the apply step fails as a whole. */
  async refreshOnce(): Promise<void> {
    const cidrs = await this.options.fetch(this.stopController.signal);
    this.options.cache.set(cidrs);
    await this.options.apply(cidrs);
    this.succeeded = true;
  }

  private async run(): Promise<void> {
    const clock = this.options.clock ?? systemClock;
    const log = this.options.logger ?? silentLogger;
    const signal = this.stopController.signal;
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0 });
    while (!signal.aborted) {
      try {
        await this.refreshOnce();
        log.info({ cidrs: this.options.cache.snapshot().length }, 'GitHub IP ranges refreshed');
        backoff.reset();
        await sleep(clock, this.options.periodMs ?? 86_400_000, signal);
      } catch (err) {
        if (signal.aborted) return;
        // Until the first success retry with backoff; afterwards a failed run waits for the next period.
        const delay = this.succeeded ? (this.options.periodMs ?? 86_400_000) : backoff.next();
        log.warn({ err, retryInMs: delay }, 'GitHub IP range refresh failed');
        await sleep(clock, delay, signal);
      }
    }
  }
}
