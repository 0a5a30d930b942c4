// `pnpm bench [filter]`: runs every packages/*/bench/*.bench.ts in its own process, so that memory figures
// are not disturbed by one another. Each bench prints its figure beside its peer's and writes
// bench-results/<package>-<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv.slice(2).find((a) => a !== '--');
const benches: string[] = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.bench.ts')) benches.push(join('packages', pkg, 'bench', file));
  }
}
const selected = benches.filter((b) => !filter || b.includes(filter));
if (selected.length === 0) {
  console.error(`no benchmark matches ${filter ?? '(any)'}`);
  process.exit(1);
}
let failed = 0;
for (const bench of selected) {
  console.log(`\n== ${bench}`);
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const result = spawnSync(tsx, ['--conditions=source', '--expose-gc', bench], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
