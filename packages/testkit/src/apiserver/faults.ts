// Fault injection per route and verb: errors, latency, requests that never answer, watches cut or hung.
import { ApiError } from './errors.js';

/** Verbs as the real server names them (list and watch are GETs on a collection). */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** One fault rule. Unset matchers match everything. */
export interface FaultRule {
  /** Verb or verbs to hit. */
  verb?: Verb | Verb[];
  /** Resource plural, with a subresource as `pods/status`; also matches non-resource paths such as `/openapi/v3`. */
  resource?: string;
  namespace?: string;
  /** Object name. */
  name?: string;
  /** Answer with this HTTP status as a real Status (500, 409, 429, 503, 504, …). */
  error?: number;
  /** The Status message instead of the code's usual one (a 403 `exceeded quota` refusal, say). */
  message?: string;
  /** For 429/503: the Retry-After header, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Delay before the request is handled, in milliseconds (real time). */
  latencyMs?: number;
  /** Accept the request and never answer (the client's own timeout fires). */
  hang?: boolean;
  /** For watches: `cut` closes the stream after `cutAfterEvents` events (default 0); `hang` sends headers and then nothing. */
  watch?: 'cut' | 'hang';
  cutAfterEvents?: number;
  /** Probability (0..1) that a matching request is hit; default 1. */
  rate?: number;
  /** Stop after hitting this many requests. */
  count?: number;
  /** Stop after this many milliseconds (real time). */
  durationMs?: number;
}

/** A live rule: how often it fired, and how to remove it. */
export interface InjectedFault {
  readonly rule: FaultRule;
  readonly hits: number;
  remove(): void;
}

/** What the router asks about one request. */
export interface RequestInfo {
  verb: Verb | 'nonresource';
  resource: string;
  namespace?: string;
  name?: string;
  path: string;
}

const reasons: Record<number, [string, string]> = {
  400: ['BadRequest', 'injected fault'],
  403: ['Forbidden', 'injected fault'],
  404: ['NotFound', 'the server could not find the requested resource'],
  409: ['Conflict', 'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again'],
  429: ['TooManyRequests', 'Too many requests, please try again later.'],
  500: ['InternalError', 'Internal error occurred: injected fault'],
  503: ['ServiceUnavailable', 'The server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/** The fault table of one server. */
export class Faults {
  private rules: { rule: FaultRule; hits: number; until: number }[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  /** Adds a rule; it applies to requests arriving from now on. */
  inject(rule: FaultRule): InjectedFault {
    const entry = { rule, hits: 0, until: rule.durationMs !== undefined ? Date.now() + rule.durationMs : Infinity };
    this.rules.push(entry);
    return {
      rule,
      get hits() {
        return entry.hits;
      },
      remove: () => {
        this.rules = this.rules.filter((r) => r !== entry);
      },
    };
  }

  private readonly liveWatches = new Set<(abrupt: boolean) => void>();

  /** Called by the watch server: tracks an open stream so {@link cutWatches} can end it. */
  trackWatch(cut: (abrupt: boolean) => void): () => void {
    this.liveWatches.add(cut);
    return () => this.liveWatches.delete(cut);
  }

  /**
   * Ends every open watch stream now. By default the stream ends cleanly (as when the server's watch
   * timeout passes); with `abrupt` the TCP connection is destroyed mid-stream (ECONNRESET / premature close).
   * Returns how many streams were open.
   */
  cutWatches(options: { abrupt?: boolean } = {}): number {
    const all = [...this.liveWatches];
    this.liveWatches.clear();
    for (const cut of all) cut(options.abrupt ?? false);
    return all.length;
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The first live rule that hits this request (counting the hit), if any. */
  match(info: RequestInfo): FaultRule | undefined {
    const now = Date.now();
    this.rules = this.rules.filter((r) => r.until > now && (r.rule.count === undefined || r.hits < r.rule.count));
    for (const r of this.rules) {
      const f = r.rule;
      const verbs = f.verb === undefined ? undefined : Array.isArray(f.verb) ? f.verb : [f.verb];
      if (verbs && !verbs.includes(info.verb as Verb)) continue;
      if (f.resource !== undefined && f.resource !== info.resource && f.resource !== info.path) continue;
      if (f.namespace !== undefined && f.namespace !== info.namespace) continue;
      if (f.name !== undefined && f.name !== info.name) continue;
      if (f.watch && info.verb !== 'watch') continue;
      if (f.rate !== undefined && this.random() >= f.rate) continue;
      r.hits++;
      return f;
    }
    return undefined;
  }
}

/** The Status error a rule's `error` stands for. */
export function faultError(rule: FaultRule): ApiError {
  const code = rule.error ?? 500;
  const [reason, usual] = reasons[code] ?? ['InternalError', `injected fault ${code}`];
  const message = rule.message ?? usual;
  const retry = code === 429 || code === 503 ? (rule.retryAfterSeconds ?? 1) : undefined;
  return new ApiError(code, reason, message, retry !== undefined ? { retryAfterSeconds: retry } : undefined, retry !== undefined ? { 'Retry-After': String(retry) } : {});
}
