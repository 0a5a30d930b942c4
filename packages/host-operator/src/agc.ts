#!/usr/bin/env node
/** The `agc` bin: runs the tenant controller until SIGTERM/SIGINT, then shuts down gracefully. */
import { startAgc } from './agc/main.js';

async function main(): Promise<number> {
  let agc: Awaited<ReturnType<typeof startAgc>>;
  try {
    agc = await startAgc(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if ('help' in agc) {
    process.stdout.write(agc.help);
    return 0;
  }
  const running = agc;
  let signalled = false;
  const onSignal = (): void => {
    if (signalled) return;
    signalled = true;
    running.shutdown().catch(() => undefined);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return running.exited;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`agc: ${String(err)}\n`);
    process.exit(1);
  },
);
