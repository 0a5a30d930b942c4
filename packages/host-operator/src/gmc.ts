#!/usr/bin/env node
/** The `gmc` bin: runs the manager until SIGTERM/SIGINT, then shuts down gracefully. */
import { startGmc } from './gmc/main.js';

async function main(): Promise<number> {
  let gmc: Awaited<ReturnType<typeof startGmc>>;
  try {
    gmc = await startGmc(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if ('help' in gmc) {
    process.stdout.write(gmc.help);
    return 0;
  }
  const running = gmc;
  let signalled = false;
  const onSignal = (): void => {
    if (signalled) return;
    signalled = true;
    running.shutdown().catch(() => undefined);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const code = await running.exited;
  if (code !== 0) await running.shutdown().catch(() => undefined);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`gmc: ${String(err)}\n`);
    process.exit(1);
  },
);
