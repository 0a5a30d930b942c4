// How the stand-in reaches GitHub: through HTTPS_PROXY/HTTP_PROXY unless NO_PROXY covers the host (undici's
// EnvHttpProxyAgent), trusting the system roots plus the bundle the worker wrapper wrote (SSL_CERT_FILE) and
// NODE_EXTRA_CA_CERTS — for the TLS hop to the proxy and for the tunnelled TLS to GitHub alike.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';

/** What the dispatcher is built from. */
export interface StandInTransport {
  /** The worker's environment: `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` (either case), `SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Further CA certificates (PEM) to trust. */
  readonly extraCaPems?: readonly string[];
}

const pick = (env: StandInTransport['env'], name: string): string | undefined => env[name] ?? env[name.toLowerCase()] ?? undefined;

function readPem(path: string | undefined, variable: string): string[] {
  if (!path) return [];
  try {
    return [readFileSync(path, 'utf8')];
  } catch (e) {
    throw new Error(`${variable}=${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** An undici dispatcher routed and trusting as described above. Throws naming the variable when a CA file cannot be read. */
export function standInDispatcher(transport: StandInTransport): Dispatcher {
  const { env } = transport;
  const ca = [
    ...rootCertificates,
    ...readPem(env.SSL_CERT_FILE, 'SSL_CERT_FILE'),
    ...readPem(env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS'),
    ...(transport.extraCaPems ?? []),
  ];
  const tls = { ca };
  const httpProxy = pick(env, 'HTTP_PROXY');
  const httpsProxy = pick(env, 'HTTPS_PROXY');
  const noProxy = pick(env, 'NO_PROXY');
  return new EnvHttpProxyAgent({
    // Empty strings, not undefined: undici would otherwise fall back to this process's own variables.
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? '',
    noProxy: noProxy ?? '',
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
  });
}
