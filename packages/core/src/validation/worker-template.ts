// The worker pod contract: fields the AGC owns on every worker pod, which a tenant's template may not set.
import { isRecord, ownValue } from '../api/safe-object.js';
import { child, item } from './path.js';
import type { Findings } from './schema-check.js';

/** Pod fields the AGC sets on every worker pod, with why the tenant may not set them. */
const reservedPodFields: ReadonlyArray<{ field: string; forbidden: (v: unknown) => boolean; why: string }> = [
  { field: 'hostNetwork', forbidden: (v) => v === true, why: 'worker pods never share the node network' },
  { field: 'hostPID', forbidden: (v) => v === true, why: 'worker pods never share the node PID namespace' },
  { field: 'hostIPC', forbidden: (v) => v === true, why: 'worker pods never share the node IPC namespace' },
  { field: 'serviceAccountName', forbidden: nonEmpty, why: 'worker pods always run as actions-gateway-worker' },
  { field: 'serviceAccount', forbidden: nonEmpty, why: 'worker pods always run as actions-gateway-worker' },
  { field: 'automountServiceAccountToken', forbidden: (v) => v === true, why: 'worker pods never get an API token' },
  { field: 'priorityClassName', forbidden: nonEmpty, why: 'the class comes from priorityTiers' },
  { field: 'activeDeadlineSeconds', forbidden: (v) => v !== undefined && v !== null, why: 'the deadline comes from maxWorkerLifetime' },
  { field: 'restartPolicy', forbidden: (v) => v !== undefined && v !== null && v !== 'Never', why: 'worker pods run once (Never)' },
];

/** Env names the AGC forces on the runner container (proxy wiring, the staged job, the runtime token). */
export const RESERVED_RUNNER_ENV: readonly string[] = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'PROXY_CA_CERT_PATH',
  'PAYLOAD_SECRET_PATH',
  'ACTIONS_RUNTIME_TOKEN',
];

/** Volume names the AGC adds to every worker pod. */
export const RESERVED_WORKER_VOLUMES: readonly string[] = ['job-payload', 'proxy-ca'];

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}

/** How privileged containers are treated for this template. */
export interface PrivilegePolicy {
  readonly securityProfile: string;
  readonly allowPrivilegedWorkers: boolean;
}

/**
 * Checks a `podTemplate` at `path`. Only values that are already of the right type are judged here; type errors
 * are the schema check's.
 */
export function checkWorkerTemplate(template: unknown, path: string, policy: PrivilegePolicy, out: Findings): void {
  if (!isRecord(template)) return;
  const spec = ownValue(template, 'spec');
  if (!isRecord(spec)) return;
  const specPath = child(path, 'spec');
  for (const { field, forbidden, why } of reservedPodFields) {
    const v = ownValue(spec, field);
    if (forbidden(v)) {
      out.violations.push({ path: child(specPath, field), rule: 'reservedField', message: `${child(specPath, field)} may not be set: ${why}` });
    }
  }
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = ownValue(spec, list);
    if (!Array.isArray(containers)) continue;
    containers.slice(0, 64).forEach((c: unknown, i) => checkContainer(c, child(specPath, list), i, list, policy, out));
  }
  const volumes = ownValue(spec, 'volumes');
  if (Array.isArray(volumes)) {
    volumes.slice(0, 128).forEach((v: unknown, i) => {
      if (!isRecord(v)) return;
      const p = item(child(specPath, 'volumes'), i);
      const name = ownValue(v, 'name');
      if (typeof name === 'string' && RESERVED_WORKER_VOLUMES.includes(name)) {
        out.violations.push({ path: child(p, 'name'), rule: 'reservedVolume', message: `${child(p, 'name')}: volume name "${name}" is reserved for the AGC` });
      }
      if (ownValue(v, 'hostPath') !== undefined && policy.securityProfile !== 'privileged') {
        out.violations.push({
          path: child(p, 'hostPath'),
          rule: 'hostPath',
          message: `${child(p, 'hostPath')}: hostPath volumes need securityProfile "privileged" (profile is "${policy.securityProfile}")`,
        });
      }
    });
  }
}

function checkContainer(
  container: unknown,
  listPath: string,
  index: number,
  list: 'containers' | 'initContainers',
  policy: PrivilegePolicy,
  out: Findings,
): void {
  if (!isRecord(container)) return;
  const p = item(listPath, index);
  const name = ownValue(container, 'name');
  const label = typeof name === 'string' ? name : `#${index}`;
  const sc = ownValue(container, 'securityContext');
  if (isRecord(sc) && ownValue(sc, 'privileged') === true && !privilegedAllowed(policy)) {
    const why = policy.securityProfile !== 'privileged'
      ? `privileged containers are not permitted in worker pods under securityProfile "${policy.securityProfile}"`
      : 'privileged worker containers are disabled on this cluster (the platform has not enabled --allow-privileged-workers)';
    out.violations.push({ path: child(child(p, 'securityContext'), 'privileged'), rule: 'privileged', message: `${p} (container "${label}"): ${why}` });
  }
  if (list !== 'containers' || name !== 'runner') return;
  const env = ownValue(container, 'env');
  if (!Array.isArray(env)) return;
  env.slice(0, 512).forEach((e: unknown, i) => {
    const envName = isRecord(e) ? ownValue(e, 'name') : undefined;
    if (typeof envName === 'string' && RESERVED_RUNNER_ENV.includes(envName)) {
      const ep = child(item(child(p, 'env'), i), 'name');
      out.violations.push({ path: ep, rule: 'reservedEnv', message: `${ep}: ${envName} is set by the AGC on the runner container` });
    }
  });
}

function privilegedAllowed(policy: PrivilegePolicy): boolean {
  return policy.allowPrivilegedWorkers && policy.securityProfile === 'privileged';
}
