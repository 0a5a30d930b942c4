// `pnpm start` builds a fresh clone by calling the pnpm that runs it; a native pnpm executable once made it
// hand an ELF file to node, so a fresh clone could not start the sandbox.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pnpmCommand } from '../../scripts/pnpm-command.mjs';

describe('pnpmCommand', () => {
  it('runs a JavaScript pnpm entry under node, a native pnpm directly, and plain pnpm when unknown', () => {
    expect(pnpmCommand('/node', '/lib/pnpm/bin/pnpm.cjs', ['run', 'build'])).toEqual(['/node', ['/lib/pnpm/bin/pnpm.cjs', 'run', 'build']]);
    expect(pnpmCommand('/node', '/lib/pnpm/pnpm.mjs', ['-v'])).toEqual(['/node', ['/lib/pnpm/pnpm.mjs', '-v']]);
    expect(pnpmCommand('/node', '/usr/lib/node_modules/pnpm/pnpm', ['-v'])).toEqual(['/usr/lib/node_modules/pnpm/pnpm', ['-v']]);
    expect(pnpmCommand('/node', undefined, ['-v'])).toEqual(['pnpm', ['-v']]);
  });

  it('reaches the pnpm this machine runs', () => {
    const [command, args] = pnpmCommand(process.execPath, process.env.npm_execpath, ['--version']);
    const result = spawnSync(command, args, { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
