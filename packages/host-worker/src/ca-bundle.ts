// Trust for the egress proxy's CA: tools that read SSL_CERT_FILE (OpenSSL, .NET on Linux, curl, git) get the
// system bundle plus the proxy CA; Node children get the CA through NODE_EXTRA_CA_CERTS.
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { WrapperError } from './errors.js';

/** System CA bundles, in the order they are looked for (Debian/Ubuntu, RHEL/Fedora, Alpine/macOS). */
export const systemBundlePaths = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
] as const;

/** The env a runner worker needs to trust the proxy CA. */
export interface CaTrust {
  readonly bundlePath: string;
  readonly env: { readonly SSL_CERT_FILE: string; readonly NODE_EXTRA_CA_CERTS: string };
  /** The system bundle the CA was appended to, if one was found. */
  readonly systemBundle: string | undefined;
}

const withNewline = (text: string): string => (text === '' || text.endsWith('\n') ? text : `${text}\n`);

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WrapperError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/**
 * Builds `<home>/proxy-ca-bundle.crt` (0644) from the first system bundle found and the proxy CA.
 * Returns undefined when `caPath` is unset, missing or empty (no proxy CA to trust).
 */
export function buildCaTrust(
  caPath: string | undefined,
  home: string,
  bundles: readonly string[] = systemBundlePaths,
): CaTrust | undefined {
  if (caPath === undefined) return undefined;
  const ca = readIfPresent(caPath);
  if (ca === undefined || ca.trim() === '') return undefined;
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new WrapperError(`PROXY_CA_CERT_PATH ${caPath} holds no PEM certificate`);
  }
  let system: { path: string; text: string } | undefined;
  for (const path of bundles) {
    const text = readIfPresent(path);
    if (text !== undefined) {
      system = { path, text };
      break;
    }
  }
  const bundlePath = join(home, 'proxy-ca-bundle.crt');
  try {
    writeFileSync(bundlePath, withNewline(system?.text ?? '') + withNewline(ca), { mode: 0o644 });
    chmodSync(bundlePath, 0o644);
  } catch (err) {
    throw new WrapperError(`cannot write CA bundle ${bundlePath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return { bundlePath, env: { SSL_CERT_FILE: bundlePath, NODE_EXTRA_CA_CERTS: caPath }, systemBundle: system?.path };
}
