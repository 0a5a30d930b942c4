// `pnpm start` runs the sandbox: the whole system on this machine. Until the sandbox lands it says so.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const sandbox = new URL('../packages/testkit/dist/sandbox.js', import.meta.url);
if (!existsSync(sandbox)) {
  console.error(
    [
      'The sandbox is not built yet.',
      'When it is, `pnpm start` will start an embedded Kubernetes API server and a fake GitHub, apply the CRDs,',
      'run the real gmc, agc and egress-proxy processes, run worker pods as local processes, queue jobs and',
      'show their progress. Until then, `pnpm test` runs every test.',
    ].join('\n'),
  );
  process.exit(1);
}
const result = spawnSync(process.execPath, [sandbox.pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
