// ActionsGateway admission rules (gag-system §3.10) beyond the schema.
import { ALLOW_PROFILE_DOWNGRADE_ANNOTATION } from '../api/group.js';
import { isRecord, ownValue } from '../api/safe-object.js';
import type { Findings } from './schema-check.js';

const profileRank: Readonly<Record<string, number>> = { privileged: 0, baseline: 1, restricted: 2 };

/** The rank of a securityProfile value; absent or empty counts as baseline. */
export function securityProfileRank(profile: unknown): number | undefined {
  if (profile === undefined || profile === null || profile === '') return profileRank.baseline;
  return typeof profile === 'string' ? profileRank[profile] : undefined;
}

function profileName(profile: unknown): string {
  return typeof profile === 'string' && profile !== '' ? profile : 'baseline';
}

/** `metadata.namespace` must not be reserved (CREATE only). */
export function checkNamespace(namespace: unknown, reserved: readonly string[], out: Findings): void {
  if (typeof namespace === 'string' && reserved.includes(namespace)) {
    out.violations.push({
      path: 'metadata.namespace',
      rule: 'reservedNamespace',
      message: `metadata.namespace: ActionsGateway may not be created in reserved namespace "${namespace}"`,
    });
  }
}

/** `spec.gitHubAppRef.namespace` is reserved and must be empty. */
export function checkAppRef(appRef: unknown, out: Findings): void {
  const ns = isRecord(appRef) ? ownValue(appRef, 'namespace') : undefined;
  if (typeof ns === 'string' && ns !== '') {
    out.violations.push({
      path: 'spec.gitHubAppRef.namespace',
      rule: 'crossNamespaceReference',
      message: 'spec.gitHubAppRef.namespace must be empty: the App Secret is always read from the gateway namespace',
    });
  }
}

/** `spec.gitHubURL`: parses, https, a host, no credentials, at least one path segment. */
export function checkGitHubUrl(value: unknown, out: Findings): void {
  // Values that fail the schema's ^https:// pattern are already reported there.
  if (typeof value !== 'string' || !value.startsWith('https://')) return;
  const path = 'spec.gitHubURL';
  const bad = (message: string): void => {
    out.violations.push({ path, rule: 'url', message: `${path} ${message} (got ${JSON.stringify(value).slice(0, 120)})` });
  };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    bad('is not a valid URL');
    return;
  }
  if (url.protocol !== 'https:') bad('must use the https scheme');
  else if (url.hostname === '') bad('must have a host');
  else if (url.username !== '' || url.password !== '') bad('must not carry credentials');
  else if (url.search !== '' || url.hash !== '') bad('must not have a query or fragment');
  else if (url.pathname.replace(/^\/+|\/+$/g, '') === '') bad('must name an organisation or repository (at least one path segment)');
}

/** UPDATE: `spec.securityProfile` may not drop unless the annotation allows it. */
export function checkProfileDowngrade(newObj: Record<string, unknown>, oldObj: unknown, out: Findings): void {
  if (!isRecord(oldObj)) return;
  const oldSpec = ownValue(oldObj, 'spec');
  const newSpec = ownValue(newObj, 'spec');
  const oldProfile = isRecord(oldSpec) ? ownValue(oldSpec, 'securityProfile') : undefined;
  const newProfile = isRecord(newSpec) ? ownValue(newSpec, 'securityProfile') : undefined;
  const before = securityProfileRank(oldProfile);
  const after = securityProfileRank(newProfile);
  if (before === undefined || after === undefined || after >= before) return;
  const meta = ownValue(newObj, 'metadata');
  const annotations = isRecord(meta) ? ownValue(meta, 'annotations') : undefined;
  if (isRecord(annotations) && ownValue(annotations, ALLOW_PROFILE_DOWNGRADE_ANNOTATION) === 'true') return;
  out.violations.push({
    path: 'spec.securityProfile',
    rule: 'profileDowngrade',
    message: `spec.securityProfile may not be lowered from "${profileName(oldProfile)}" to "${profileName(newProfile)}" without the annotation ${ALLOW_PROFILE_DOWNGRADE_ANNOTATION}: "true"`,
  });
}

/** Warnings: proxy requests without cpu (the HPA cannot scale), tracing fields that have no effect. */
export function gatewayWarnings(spec: Record<string, unknown>, out: Findings): void {
  const proxy = ownValue(spec, 'proxy');
  const resources = isRecord(proxy) ? ownValue(proxy, 'resources') : undefined;
  const requests = isRecord(resources) ? ownValue(resources, 'requests') : undefined;
  if (isRecord(requests) && ownValue(requests, 'cpu') === undefined) {
    out.warnings.push({
      path: 'spec.proxy.resources.requests.cpu',
      rule: 'proxyCpuRequest',
      message: 'spec.proxy.resources.requests has no cpu: the default cpu request is used, set one so the HPA target matches your sizing',
    });
  }
  const tracing = ownValue(spec, 'tracing');
  if (!isRecord(tracing)) return;
  const endpoint = ownValue(tracing, 'endpoint');
  const others = Object.keys(tracing).filter((k) => k !== 'endpoint');
  if ((endpoint === undefined || endpoint === '') && others.length > 0) {
    out.warnings.push({ path: 'spec.tracing.endpoint', rule: 'tracingDisabled', message: `spec.tracing.endpoint is empty, so tracing stays off and ${others.join(', ')} have no effect` });
  }
  const sampler = ownValue(tracing, 'sampler');
  if (ownValue(tracing, 'samplerArg') !== undefined && typeof sampler === 'string' && !sampler.endsWith('traceidratio')) {
    out.warnings.push({ path: 'spec.tracing.samplerArg', rule: 'samplerArgIgnored', message: `spec.tracing.samplerArg only applies to the ratio samplers, not "${sampler}"` });
  }
}
