/**
 * `/healthz` and `/readyz` with named checks, as controller-runtime serves them: 200 `ok` when every
 * check passes, 500 listing `[-]name failed: reason` otherwise; `?verbose` lists every check;
 * `/readyz/<name>` runs one check.
 */
import { createServer } from 'node:http';
import type { BindAddress } from './bind-address.js';
import { listen, type RunningServer } from './serve.js';

/** A named check: returns nothing (or true) when healthy; returns a string, false, or throws when not. */
export type HealthCheck = () => void | boolean | string | Promise<void | boolean | string>;

/** The check sets of the two endpoints. */
export interface HealthChecks {
  readonly healthz: Readonly<Record<string, HealthCheck>>;
  readonly readyz: Readonly<Record<string, HealthCheck>>;
}

async function run(check: HealthCheck): Promise<string | undefined> {
  try {
    const r = await check();
    if (r === undefined || r === true) return undefined;
    return r === false ? 'not ok' : r;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function answer(checks: Readonly<Record<string, HealthCheck>>, only: string | undefined, verbose: boolean): Promise<[number, string]> {
  const names = only ? [only] : Object.keys(checks);
  if (only && !checks[only]) return [404, `no check named ${only}\n`];
  const lines: string[] = [];
  let ok = true;
  for (const name of names) {
    const failure = await run(checks[name]!);
    if (failure !== undefined) ok = false;
    lines.push(failure === undefined ? `[+]${name} ok` : `[-]${name} failed: ${failure}`);
  }
  if (ok && !verbose) return [200, 'ok'];
  return [ok ? 200 : 500, `${lines.join('\n')}\n${ok ? 'check passed' : 'check failed'}\n`];
}

/** Serves `/healthz` and `/readyz` on `address`. */
export async function startHealthServer(checks: HealthChecks, address: BindAddress): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, endpoint, only] = url.pathname.split('/');
    const set = endpoint === 'healthz' ? checks.healthz : endpoint === 'readyz' ? checks.readyz : undefined;
    if (req.method !== 'GET' || !set) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    answer(set, only || undefined, url.searchParams.has('verbose')).then(
      ([status, body]) => res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  return listen(server, address);
}
