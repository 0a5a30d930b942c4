// Defaults and validation for built-in kinds: the part of each kind's strategy a client can observe.
import type { StatusCause } from './errors.js';
import { ApiError, invalidValue, required } from './errors.js';
import type { Obj } from './json.js';
import { asArr, asObj, isObj, meta, str } from './json.js';
import type { ResourceType } from './registry.js';

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RBAC and a few others accept path-segment names (colons allowed). */
const pathSegmentKinds = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

/** Name validation as the real server applies it per kind. */
export function validateName(rt: ResourceType, name: string): StatusCause[] {
  if (pathSegmentKinds.has(rt.kind)) {
    return /[/%]/.test(name) || name === '.' || name === '..' ? [invalidValue('metadata.name', name, 'may not contain \'/\' or \'%\'')] : [];
  }
  const labelOnly = rt.kind === 'Namespace' || rt.kind === 'Service';
  const re = labelOnly ? dns1123Label : dns1123Subdomain;
  const max = labelOnly ? 63 : 253;
  if (name.length > max || !re.test(name)) {
    const what = labelOnly ? 'a lowercase RFC 1123 label' : 'a lowercase RFC 1123 subdomain';
    return [
      invalidValue(
        'metadata.name',
        name,
        `${what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      ),
    ];
  }
  return [];
}

/** Fills the defaults the real server sets on create. */
export function applyBuiltinDefaults(rt: ResourceType, o: Obj): void {
  if (rt.group === '' && rt.kind === 'Pod') defaultPod(o);
  if (rt.group === 'apps' && rt.kind === 'Deployment') {
    const spec = asObj(o.spec);
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    if (isObj(spec.template)) defaultPodSpec(asObj(spec.template.spec));
    o.spec = spec;
  }
  if (rt.group === '' && rt.kind === 'Namespace') {
    o.spec = { finalizers: ['kubernetes'], ...asObj(o.spec) };
    o.status = { phase: 'Active' };
    const labels = asObj(meta(o).labels);
    labels['kubernetes.io/metadata.name'] = String(meta(o).name);
    meta(o).labels = labels;
  }
  if (rt.group === '' && rt.kind === 'Secret') {
    o.type ??= 'Opaque';
    if (isObj(o.stringData)) {
      const data = asObj(o.data);
      for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v as string)).toString('base64');
      o.data = data;
      delete o.stringData;
    }
  }
  if (rt.group === '' && rt.kind === 'ServiceAccount') o.secrets ??= undefined;
}

function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [...asArr(spec.containers), ...asArr(spec.initContainers)]) {
    if (!isObj(c)) continue;
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= str(c.image, '').endsWith(':latest') || !str(c.image, '').includes(':') ? 'Always' : 'IfNotPresent';
    c.resources ??= {};
    // A limit without a request makes the request equal to the limit (SetDefaults_Pod).
    const res = asObj(c.resources);
    if (isObj(res.limits) && Object.keys(res.limits).length) res.requests = { ...res.limits, ...asObj(res.requests) };
    c.resources = res;
  }
}

function defaultPod(o: Obj): void {
  const spec = asObj(o.spec);
  defaultPodSpec(spec);
  spec.priority ??= 0;
  spec.enableServiceLinks ??= true;
  o.spec = spec;
  o.status = { phase: 'Pending', qosClass: qosClass(spec) };
}

function qosClass(spec: Obj): string {
  const containers = asArr(spec.containers).filter(isObj);
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const r = asObj(c.resources);
    const req = asObj(r.requests);
    const lim = asObj(r.limits);
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const res of ['cpu', 'memory']) if (lim[res] === undefined || (req[res] !== undefined && req[res] !== lim[res])) guaranteed = false;
  }
  return !any ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable';
}

const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks that the real server's decoder would accept the body: a Lease's MicroTime fields need exactly six
 * fractional digits (a JS `Date#toISOString()` has three and gets 400).
 */
export function checkDecodable(rt: ResourceType, o: Obj): void {
  if (rt.kind !== 'Lease') return;
  const spec = asObj(o.spec);
  for (const f of ['acquireTime', 'renewTime']) {
    const v = spec[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !microTime.test(v)) {
      throw new ApiError(
        400,
        'BadRequest',
        `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse ${JSON.stringify(JSON.stringify(v).slice(20, -1))} as ".000000"`,
      );
    }
  }
}

/** Validation of required fields for the built-ins the product creates. */
export function validateBuiltin(rt: ResourceType, o: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  if (rt.group === '' && rt.kind === 'Pod') {
    const containers = asArr(asObj(o.spec).containers);
    if (containers.length === 0) causes.push(required('spec.containers'));
    containers.forEach((c, i) => {
      if (!isObj(c) || !c.name) causes.push(required(`spec.containers[${i}].name`));
      if (!isObj(c) || !c.image) causes.push(required(`spec.containers[${i}].image`));
    });
  }
  if (rt.group === 'apps' && rt.kind === 'Deployment') {
    const spec = asObj(o.spec);
    if (!isObj(spec.selector)) causes.push(required('spec.selector'));
    if (!isObj(spec.template)) causes.push(required('spec.template'));
    else {
      const sel = asObj(asObj(spec.selector).matchLabels);
      const labels = asObj(asObj(spec.template.metadata).labels);
      for (const [k, v] of Object.entries(sel)) {
        if (labels[k] !== v) {
          causes.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
          break;
        }
      }
    }
  }
  if (rt.kind === 'Lease' && asObj(o.spec).leaseDurationSeconds !== undefined) {
    const d = asObj(o.spec).leaseDurationSeconds;
    if (typeof d !== 'number' || d <= 0) causes.push(invalidValue('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  }
  return causes;
}
