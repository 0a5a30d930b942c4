// The JIT config the worker wrapper wrote into RUNNER_HOME_DIR (`.runner`, `.credentials`,
// `.credentials_rsaparams`, each the decoded file), re-encoded as GitHub's `encoded_jit_config`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const files = ['.runner', '.credentials', '.credentials_rsaparams'] as const;

/** The encoded JIT config from the runner files in `home`, or undefined when any is missing. */
export function jitConfigFromRunnerHome(home: string | undefined): string | undefined {
  if (!home) return undefined;
  const map: Record<string, string> = {};
  for (const name of files) {
    try {
      map[name] = readFileSync(join(home, name)).toString('base64');
    } catch {
      return undefined;
    }
  }
  return Buffer.from(JSON.stringify(map)).toString('base64');
}
