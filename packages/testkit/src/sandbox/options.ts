// The `ag-sandbox` command line. Every error is one line naming the flag.
import { resolve } from 'node:path';
import type { BinMode } from './bins.js';

/** What a sandbox run does. */
export interface SandboxOptions {
  /** Jobs queued (split across tenants and their two groups). */
  readonly jobs: number;
  /** Exit when every job concluded: 0 if all succeeded, 1 otherwise, after a summary. */
  readonly exitWhenDone: boolean;
  /** Keep running after every job concluded (the default without --exit-when-done). */
  readonly keep: boolean;
  /** Tenants (namespaces with an ActionsGateway each). */
  readonly tenants: number;
  /** The state folder (`.sandbox` in the current directory): kubeconfig, logs, lock, state.json. */
  readonly dir: string;
  /** Run the hosts from their TypeScript source through tsx instead of `dist/` (no build needed). */
  readonly mode: BinMode;
  /** Run each built program from one bundled file (npm dependencies included) rather than `dist/` as it is. */
  readonly bundle: boolean;
  /** Port of the Kubernetes API (0: any free one). */
  readonly apiPort: number;
  /** Port of the fake GitHub (0: any free one). */
  readonly githubPort: number;
  /** How long each scripted job runs, in ms. */
  readonly jobDurationMs: number;
  /** Scripted conclusion of every job (default `succeeded`). */
  readonly conclusion: string;
  /** Plain lines even on a TTY. */
  readonly plain: boolean;
  /** Acquisition protocol of each tenant's second RunnerGroup (the first is always Classic). */
  readonly secondProtocol: 'ScaleSet' | 'Classic';
  /** With --exit-when-done: give up (and fail) after this many seconds. */
  readonly timeoutSeconds: number;
  /** Seconds to wait between "everything is up" and queueing the jobs (e.g. for a scraper to attach). */
  readonly queueAfterSeconds: number;
  /** The workspace whose hosts run (default: the one this module lives in); not a flag. */
  readonly root?: string;
}

export const sandboxUsage = `usage: ag-sandbox [options]

Runs the whole system on this machine: a Kubernetes API, a fake GitHub (HTTPS), the real gmc, agc and
egress-proxy processes, and worker pods as local processes through the real worker wrapper.

  --jobs N              jobs to queue (default 20)
  --exit-when-done      exit when every job concluded: 0 if all succeeded, non-zero otherwise, with a summary
  --keep                keep running after the jobs concluded (default unless --exit-when-done)
  --tenants N           tenants, one ActionsGateway each (default 1)
  --dir PATH            state folder (default .sandbox): kubeconfig, logs, lock, state.json
  --source              run the hosts from src/ through tsx (no build needed)
  --no-bundle           run the built hosts from dist/ as they are (default: one bundled file each, cached under
                        node_modules/.cache/ag-sandbox, which starts them about three times faster)
  --api-port N          Kubernetes API port (default: any free port)
  --github-port N       fake GitHub port (default: any free port)
  --job-duration MS     how long each job runs (default 1000)
  --conclusion C        conclusion every job reports (default succeeded)
  --queue-after S       wait S seconds once everything is up before queueing jobs (default 0)
  --second-group P      protocol of the second RunnerGroup: ScaleSet (default) or Classic
  --timeout S           with --exit-when-done, fail after S seconds (default 600)
  --plain               plain progress lines even on a terminal
  -h, --help            this text
`;

/** A command-line error: one line, naming the flag. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function int(flag: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined) throw new UsageError(`${flag} needs a value`);
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

const conclusions = ['succeeded', 'succeededWithIssues', 'failed', 'canceled', 'skipped', 'abandoned'];

/** Parses argv; returns `'help'` for -h/--help. Throws {@link UsageError}. */
export function parseSandboxArgs(argv: readonly string[], cwd = process.cwd()): SandboxOptions | 'help' {
  const o = { jobs: 20, exitWhenDone: false, keep: false, tenants: 1, dir: resolve(cwd, '.sandbox'), mode: 'dist' as BinMode, bundle: true, apiPort: 0, githubPort: 0, jobDurationMs: 1000, conclusion: 'succeeded', plain: false, secondProtocol: 'ScaleSet' as 'ScaleSet' | 'Classic', timeoutSeconds: 600, queueAfterSeconds: 0 };
  const args = [...argv];
  while (args.length > 0) {
    const arg = args.shift()!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? args.shift();
    switch (flag) {
      case '-h': case '--help': return 'help';
      case '--': break;
      case '--jobs': o.jobs = int(flag, value(), 0, 10_000); break;
      case '--tenants': o.tenants = int(flag, value(), 1, 20); break;
      case '--api-port': o.apiPort = int(flag, value(), 0, 65_535); break;
      case '--github-port': o.githubPort = int(flag, value(), 0, 65_535); break;
      case '--job-duration': o.jobDurationMs = int(flag, value(), 0, 3_600_000); break;
      case '--exit-when-done': o.exitWhenDone = true; break;
      case '--keep': o.keep = true; break;
      case '--source': o.mode = 'source'; break;
      case '--no-bundle': o.bundle = false; break;
      case '--plain': o.plain = true; break;
      case '--timeout': o.timeoutSeconds = int(flag, value(), 1, 86_400); break;
      case '--queue-after': o.queueAfterSeconds = int(flag, value(), 0, 3_600); break;
      case '--second-group': {
        const v = value();
        if (v !== 'ScaleSet' && v !== 'Classic') throw new UsageError(`--second-group must be ScaleSet or Classic (got ${JSON.stringify(v ?? '')})`);
        o.secondProtocol = v;
        break;
      }
      case '--dir': {
        const v = value();
        if (!v) throw new UsageError('--dir needs a path');
        o.dir = resolve(cwd, v);
        break;
      }
      case '--conclusion': {
        const v = value();
        if (!v || !conclusions.includes(v)) throw new UsageError(`--conclusion must be one of ${conclusions.join(', ')} (got ${JSON.stringify(v ?? '')})`);
        o.conclusion = v;
        break;
      }
      default: throw new UsageError(`unknown flag ${JSON.stringify(arg)} (see --help)`);
    }
  }
  if (o.apiPort !== 0 && o.apiPort === o.githubPort) throw new UsageError('--api-port and --github-port must differ');
  if (o.exitWhenDone && o.keep) throw new UsageError('--keep and --exit-when-done exclude each other');
  return o;
}
