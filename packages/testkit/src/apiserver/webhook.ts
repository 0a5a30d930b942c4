// Validating and mutating webhooks: AdmissionReview v1 calls over HTTPS, trusting the caBundle, with failurePolicy and timeouts.
import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import { ApiError } from './errors.js';
import type { Obj } from './json.js';
import { asArr, asObj, isObj, meta, str } from './json.js';
import { jsonPatch } from './patch.js';
import type { Resources } from './resources.js';
import { parseLabelSelector } from './selectors.js';

/** Maps a webhook's `clientConfig.service` to a URL (there is no cluster DNS here). */
export type ServiceResolver = (namespace: string, name: string, port: number, path: string) => string | undefined;

function matchesRule(rule: Obj, req: AdmissionRequest): boolean {
  const has = (list: unknown, v: string): boolean => asArr(list).some((x) => x === '*' || x === v);
  const resource = req.subresource ? `${req.rt.plural}/${req.subresource}` : req.rt.plural;
  const resources = asArr(rule.resources);
  const resourceOk = resources.some((r) => r === '*' || r === '*/*' || r === resource || (r === `${req.rt.plural}/*` && !!req.subresource));
  const scope = str(rule.scope, '*');
  const scopeOk = scope === '*' || (scope === 'Namespaced') === req.rt.namespaced;
  return has(rule.operations, req.operation) && has(rule.apiGroups, req.rt.group) && has(rule.apiVersions, req.rt.version) && resourceOk && scopeOk;
}

function post(url: string, body: string, ca: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, ...(ca ? { ca } : {}), timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The webhooks of one kind of configuration that apply to a request, in configuration-name order. */
function matchingHooks(api: Resources, plural: string, req: AdmissionRequest): Obj[] {
  if (req.rt.group === 'admissionregistration.k8s.io') return [];
  const configs = api.store.list(api.registry.byPlural('admissionregistration.k8s.io', 'v1', plural)!);
  const out: Obj[] = [];
  for (const cfg of configs) {
    for (const hook of asArr(cfg.webhooks).filter(isObj)) {
      if (!asArr(hook.rules).filter(isObj).some((r) => matchesRule(r, req))) continue;
      const target = req.object ?? req.oldObject ?? {};
      if (isObj(hook.objectSelector) && !parseLabelSelector(selectorString(hook.objectSelector))(target)) continue;
      if (isObj(hook.namespaceSelector) && req.namespace) {
        const ns = api.store.get(api.registry.byPlural('', 'v1', 'namespaces')!, undefined, req.namespace);
        if (ns && !parseLabelSelector(selectorString(hook.namespaceSelector))(ns)) continue;
      }
      out.push(hook);
    }
  }
  return out;
}

/** Mutating webhooks (JSONPatch responses applied in order), then validating ones; any denial rejects the request. */
export function webhookAdmission(api: Resources, resolveService: ServiceResolver | undefined): AdmissionPlugin {
  return {
    name: 'AdmissionWebhook',
    async mutate(req: AdmissionRequest) {
      for (const hook of matchingHooks(api, 'mutatingwebhookconfigurations', req)) {
        const response = await callHook(hook, req, resolveService);
        if (!response || typeof response.patch !== 'string' || !req.object) continue;
        if (response.patchType !== undefined && response.patchType !== 'JSONPatch') {
          throw new ApiError(500, 'InternalError', `Internal error occurred: unsupported patch type "${str(response.patchType)}" from webhook "${str(hook.name)}"`);
        }
        let ops: unknown;
        try {
          ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
        } catch {
          throw new ApiError(500, 'InternalError', `Internal error occurred: webhook "${str(hook.name)}" returned a patch that is not JSON`);
        }
        const patched = asObj(jsonPatch(req.object, ops));
        const name = meta(req.object).name;
        for (const k of Object.keys(req.object)) delete req.object[k];
        Object.assign(req.object, patched);
        meta(req.object).name ??= name;
      }
    },
    async validate(req: AdmissionRequest) {
      for (const hook of matchingHooks(api, 'validatingwebhookconfigurations', req)) await callHook(hook, req, resolveService);
    },
  };
}

function selectorString(sel: Obj): string {
  const parts = Object.entries(asObj(sel.matchLabels)).map(([k, v]) => `${k}=${str(v)}`);
  for (const e of asArr(sel.matchExpressions).filter(isObj)) {
    const values = asArr(e.values).map((v) => str(v)).join(',');
    const key = str(e.key);
    if (e.operator === 'In') parts.push(`${key} in (${values})`);
    if (e.operator === 'NotIn') parts.push(`${key} notin (${values})`);
    if (e.operator === 'Exists') parts.push(key);
    if (e.operator === 'DoesNotExist') parts.push(`!${key}`);
  }
  return parts.join(',');
}

/** Calls one webhook; throws on denial (or on failure under failurePolicy Fail); returns its response when allowed. */
async function callHook(hook: Obj, req: AdmissionRequest, resolveService: ServiceResolver | undefined): Promise<Obj | undefined> {
  const name = str(hook.name);
  const failurePolicy = str(hook.failurePolicy, 'Fail');
  const timeoutMs = (typeof hook.timeoutSeconds === 'number' ? hook.timeoutSeconds : 10) * 1000;
  const cc = asObj(hook.clientConfig);
  const ca = typeof cc.caBundle === 'string' ? Buffer.from(cc.caBundle, 'base64').toString('utf8') : undefined;
  let url = typeof cc.url === 'string' ? cc.url : undefined;
  if (!url && isObj(cc.service)) {
    const svc = cc.service;
    url = resolveService?.(str(svc.namespace), str(svc.name), typeof svc.port === 'number' ? svc.port : 443, str(svc.path));
  }
  const uid = randomUUID();
  const gvk = { group: req.rt.group, version: req.rt.version, kind: req.rt.kind };
  const gvr = { group: req.rt.group, version: req.rt.version, resource: req.rt.plural };
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      ...(req.subresource ? { subResource: req.subresource } : {}),
      requestKind: gvk,
      requestResource: gvr,
      name: req.name,
      ...(req.namespace ? { namespace: req.namespace } : {}),
      operation: req.operation,
      userInfo: { username: req.user, groups: ['system:masters', 'system:authenticated'] },
      object: req.object ?? null,
      oldObject: req.oldObject ?? null,
      dryRun: req.dryRun,
      options: { apiVersion: 'meta.k8s.io/v1', kind: req.operation === 'CREATE' ? 'CreateOptions' : req.operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions' },
    },
  };
  let response: Obj;
  try {
    if (!url) throw new Error(`no URL for service ${JSON.stringify(cc.service)}: pass resolveService to startApiServer`);
    const res = await post(url, JSON.stringify(review), ca, timeoutMs);
    if (res.status < 200 || res.status >= 300) throw new Error(`received invalid webhook response code ${res.status}`);
    response = asObj(asObj(JSON.parse(res.text) as unknown).response);
    if (response.uid !== uid) throw new Error(`expected response.uid="${uid}", got "${str(response.uid)}"`);
  } catch (e) {
    if (failurePolicy === 'Ignore') return undefined;
    throw new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook "${name}": failed to call webhook: Post "${url ?? ''}": ${(e as Error).message}`);
  }
  for (const w of asArr(response.warnings)) req.warnings.push(str(w));
  if (response.allowed === true) return response;
  const status = asObj(response.status);
  const code = typeof status.code === 'number' && status.code >= 400 && status.code < 600 ? status.code : 400;
  const why = str(status.message) || str(status.reason);
  const message = why ? `admission webhook "${name}" denied the request: ${why}` : `admission webhook "${name}" denied the request without explanation`;
  throw new ApiError(code, str(status.reason) || (code === 403 ? 'Forbidden' : 'BadRequest'), message);
}
