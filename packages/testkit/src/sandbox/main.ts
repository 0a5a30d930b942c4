// `ag-sandbox`: parse flags, check what can fail up front, start, show progress, stop everything on exit.
import { summaryLines } from './summary.js';
import { parseSandboxArgs, sandboxUsage, UsageError } from './options.js';
import { Sandbox } from './run.js';
import { LiveView } from './view.js';

/** Where the sandbox writes. */
export interface SandboxIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
}

/** Runs the sandbox until done (--exit-when-done) or a signal; resolves to the exit code. */
export async function runSandbox(argv: readonly string[], io: SandboxIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const fail = (msg: string): void => void io.stderr.write(`ag-sandbox: ${msg.split('\n')[0]}\n`);
  let options;
  try {
    options = parseSandboxArgs(argv);
  } catch (e) {
    fail(e instanceof UsageError ? e.message : String(e));
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(sandboxUsage);
    return 0;
  }
  const sandbox = new Sandbox(options);
  try {
    await sandbox.preflight();
  } catch (e) {
    fail((e as Error).message);
    return 1;
  }
  const stop = new AbortController();
  let stopSignal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => (): void => {
    stopSignal ??= sig;
    stop.abort();
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const view = new LiveView(io.stdout, !!io.stdout.isTTY && !options.plain);
  try {
    try {
      await sandbox.start(stop.signal);
    } catch (e) {
      if (!stop.signal.aborted) {
        fail(`${(e as Error).message} (logs in ${options.dir}/logs)`);
        return 1;
      }
    }
    if (!stop.signal.aborted) {
      view.note(`kubeconfig: ${options.dir}/kubeconfig   (kubectl --kubeconfig ${options.dir}/kubeconfig get ag,rg,pods -A)`);
      for (const e of sandbox.endpoints) view.note(`metrics ${e.name}: ${e.url}`);
    }
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let shown = 0;
    while (!stop.signal.aborted) {
      for (const e of sandbox.events.slice(shown)) view.note(e);
      shown = sandbox.events.length;
      view.draw(sandbox.snapshot());
      sandbox.writeState();
      if (options.exitWhenDone && sandbox.jobs.allConcluded()) break;
      if (options.exitWhenDone && Date.now() > deadline) {
        fail(`not every job concluded within ${options.timeoutSeconds}s (--timeout)`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    if (stop.signal.aborted) return stopSignal === 'SIGTERM' ? 143 : 130;
    view.draw(sandbox.snapshot());
    sandbox.writeState();
    sandbox.markGitHubPhases();
    for (const line of [...summaryLines(sandbox.jobs, Date.now() - sandbox.startedAt), ...sandbox.timeline.lines()]) io.stdout.write(`${line}\n`);
    return sandbox.jobs.allConcluded() && sandbox.jobs.allSucceeded() ? 0 : 1;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    await sandbox.close();
  }
}
