/**
 * The dispatcher of every GitHub-bound call: through the egress proxy from `HTTP_PROXY`/`HTTPS_PROXY`,
 * except hosts `NO_PROXY` names (undici's `EnvHttpProxyAgent` routing). The proxy speaks TLS, so the hop to
 * it trusts the system roots plus the proxy CA file when that file is present; the TLS session to GitHub
 * itself uses Node's defaults (`NODE_EXTRA_CA_CERTS` for extra CAs). Kubernetes calls never come here.
 */
import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type { AgcProxyEnv } from './flags.js';

/** How the GitHub transport is built. */
export interface GitHubTransportOptions {
  readonly proxy: AgcProxyEnv;
  /** The proxy CA (`--proxy-ca-file`); ignored when the file does not exist. */
  readonly proxyCaFile?: string | undefined;
  /** `NODE_EXTRA_CA_CERTS`, added to the roots trusted for the proxy hop (Node adds it to its defaults only). */
  readonly extraCaFile?: string | undefined;
}

/** The CA set for the proxy hop: Node's default roots (with extra CAs) plus the proxy's certificate. */
function proxyTrust(options: GitHubTransportOptions): string[] | undefined {
  const file = options.proxyCaFile;
  if (file === undefined || file === '' || !existsSync(file)) return undefined;
  let proxyCa: string;
  try {
    proxyCa = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--proxy-ca-file: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(proxyCa)) throw new Error(`--proxy-ca-file: ${file} holds no PEM certificate`);
  const roots = [...tls.rootCertificates];
  if (options.extraCaFile && existsSync(options.extraCaFile)) roots.push(readFileSync(options.extraCaFile, 'utf8'));
  return [...roots, proxyCa];
}

/** Builds the dispatcher; throws one-line errors naming `--proxy-ca-file` for an unreadable CA. */
export function createGitHubDispatcher(options: GitHubTransportOptions): Dispatcher {
  const ca = proxyTrust(options);
  // Empty strings, not undefined: undefined makes undici fall back to this process's own env.
  return new EnvHttpProxyAgent({
    httpProxy: options.proxy.httpProxy ?? '',
    httpsProxy: options.proxy.httpsProxy ?? '',
    noProxy: options.proxy.noProxy ?? '',
    ...(ca && { proxyTls: { ca } }),
  });
}
