// The agc's environment as the gmc wrote it into the tenant's AGC Deployment, made to work on this machine:
// the proxy Service URL becomes the tenant proxy's loopback address, and NO_PROXY stops covering the loopback
// address the fake GitHub lives on (in a cluster GitHub is never on 127.0.0.1).
import type { Obj } from '../apiserver/json.js';

const loopback = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.0/8']);

/** NO_PROXY without its loopback entries. */
export function withoutLoopback(noProxy: string | undefined): string {
  return (noProxy ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '' && !loopback.has(s)).join(',');
}

/** The env of the first container of a Deployment's pod template; `valueFrom.fieldRef metadata.namespace` resolved. Throws naming a variable it cannot resolve. */
export function deploymentEnv(deployment: Obj, namespace: string): Record<string, string> {
  const spec = deployment.spec as { template?: { spec?: { containers?: { env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[] }[] } } } | undefined;
  const env: Record<string, string> = {};
  for (const e of spec?.template?.spec?.containers?.[0]?.env ?? []) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else if (e.valueFrom) throw new Error(`AGC Deployment env ${e.name}: only values and metadata.namespace are resolved by the sandbox`);
  }
  return env;
}

/** The loopback proxy URL of a tenant's egress proxy (TLS on the CONNECT port, as in a cluster). */
export const loopbackProxyUrl = (address: string): string => `https://${address}`;

/** The agc env: the Deployment's, with the proxy and NO_PROXY made local and Node trusting the fake GitHub's CA. */
export function localAgcEnv(fromDeployment: Record<string, string>, proxyAddress: string, githubCaFile: string, base: Record<string, string>): Record<string, string> {
  const proxy = loopbackProxyUrl(proxyAddress);
  return { ...base, ...fromDeployment, HTTP_PROXY: proxy, HTTPS_PROXY: proxy, NO_PROXY: withoutLoopback(fromDeployment.NO_PROXY), NODE_EXTRA_CA_CERTS: githubCaFile };
}
