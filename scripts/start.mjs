// `pnpm start` runs the sandbox: the whole system on this machine (`pnpm start -- --help` for its flags).
// On a fresh clone nothing is built yet: build the workspace first (`pnpm build`), then run the built sandbox.
import { existsSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pnpmCommand } from './pnpm-command.mjs';

// The sandbox's timeline counts from here (or from the end of a build), not from its own process start.
let launchedAt = Math.round(performance.timeOrigin);

const root = new URL('..', import.meta.url);
const needed = [
  'packages/testkit/dist/sandbox.js',
  'packages/testkit/dist/stand-in-runner.js',
  'packages/testkit/dist/parent-watch.js',
  'packages/host-operator/dist/gmc.js',
  'packages/host-operator/dist/agc.js',
  'packages/host-proxy/dist/main.js',
  'packages/host-worker/dist/main.js',
];
const missing = () => needed.filter((f) => !existsSync(new URL(f, root)));

if (missing().length > 0) {
  console.error(`ag-sandbox: building the workspace first (pnpm build; missing ${missing()[0]}${missing().length > 1 ? ` and ${missing().length - 1} more` : ''})…`);
  const [command, args] = pnpmCommand(process.execPath, process.env.npm_execpath, ['run', 'build']);
  const build = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0 || missing().length > 0) {
    console.error(`ag-sandbox: the build failed (${missing()[0] ?? 'see above'} missing): fix the error above and run \`pnpm build\`, or run from source with \`pnpm start -- --source\``);
    process.exit(1);
  }
  console.error(`ag-sandbox: built in ${((Date.now() - launchedAt) / 1000).toFixed(1)}s`);
  launchedAt = Date.now();
}
const sandbox = spawn(process.execPath, [new URL('packages/testkit/dist/sandbox.js', root).pathname, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, AG_SANDBOX_LAUNCHED_AT: String(launchedAt) },
});
// Ctrl-C reaches the sandbox too (same process group); wait for it to stop its children instead of dying first.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => sandbox.kill('SIGTERM'));
sandbox.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
