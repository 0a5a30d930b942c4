// The flag names of each host, read from the code that parses them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gmcFlagSpecs } from '@actions-gateway/operator';
import { options as proxyOptions } from '../../packages/host-proxy/src/config.js';
import { repoRoot } from '../support/repo.js';

/**
 * The agc flags of the AGC contract (COMMON brief), used only until the agc flag spec exists. Once
 * `packages/host-operator/src/agc/config/flags.ts` exports `agcFlagSpecs`, that is read instead.
 */
const agcContractFlags = [
  'metrics-bind-address',
  'health-probe-bind-address',
  'kubeconfig',
  'github-app-dir',
  'proxy-ca-file',
  'zap-devel',
  'zap-encoder',
  'zap-log-level',
];

/** Where the agc flag spec lives once the AGC host lands. */
export const agcFlagModule = join(repoRoot, 'packages/host-operator/src/agc/config/flags.ts');

async function agcFlags(): Promise<{ flags: string[]; source: string }> {
  if (!existsSync(agcFlagModule)) return { flags: agcContractFlags, source: 'the AGC contract (no agc flag spec yet)' };
  const module = (await import(pathToFileURL(agcFlagModule).href)) as { agcFlagSpecs?: Record<string, unknown> };
  if (!module.agcFlagSpecs) throw new Error(`${agcFlagModule} does not export agcFlagSpecs`);
  return { flags: Object.keys(module.agcFlagSpecs), source: agcFlagModule };
}

/** Each host's flags (without the leading `--`; `help` excluded). The worker wrapper takes none. */
export interface HostFlags {
  readonly gmc: readonly string[];
  readonly agc: readonly string[];
  readonly agcSource: string;
  readonly 'egress-proxy': readonly string[];
  readonly 'worker-wrapper': readonly string[];
}

/** Reads every host's flag names from its spec. */
export async function hostFlags(): Promise<HostFlags> {
  const agc = await agcFlags();
  return {
    gmc: Object.keys(gmcFlagSpecs),
    agc: agc.flags,
    agcSource: agc.source,
    'egress-proxy': proxyOptions.map((o) => o.flag),
    'worker-wrapper': [],
  };
}
