// Writes the runner's registration files where Runner.Worker looks for them. They hold the agent's
// credentials and RSA key: owner-only, in an owner-only directory.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WrapperError } from './errors.js';
import type { RunnerFileName } from './staged-job.js';

/** Writes each file (mode 0600) into `home`, creating it (mode 0700) when absent. Returns the paths written. */
export function writeRunnerFiles(home: string, files: ReadonlyMap<RunnerFileName, Buffer>): string[] {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new WrapperError(`cannot create RUNNER_HOME_DIR ${home}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const written: string[] = [];
  for (const [name, content] of files) {
    const path = join(home, name);
    try {
      writeFileSync(path, content, { mode: 0o600 });
      chmodSync(path, 0o600); // an existing file keeps its old mode on write
    } catch (err) {
      throw new WrapperError(`cannot write runner file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    written.push(path);
  }
  return written;
}
