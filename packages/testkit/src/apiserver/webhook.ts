// ValidatingWebhookConfiguration: AdmissionReview v1 calls over HTTPS, trusting the caBundle, with failurePolicy and timeouts.
import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import { ApiError } from './errors.js';
import type { Obj } from './json.js';
import { asArr, asObj, isObj, str } from './json.js';
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

/** Calls every matching validating webhook in order; any denial rejects the request. */
export function webhookAdmission(api: Resources, resolveService: ServiceResolver | undefined): AdmissionPlugin {
  return {
    name: 'ValidatingAdmissionWebhook',
    async validate(req: AdmissionRequest) {
      if (req.rt.group === 'admissionregistration.k8s.io') return;
      const configs = api.store.list(api.registry.byPlural('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations')!);
      for (const cfg of configs) {
        for (const hook of asArr(cfg.webhooks).filter(isObj)) {
          if (!asArr(hook.rules).filter(isObj).some((r) => matchesRule(r, req))) continue;
          const target = req.object ?? req.oldObject ?? {};
          if (isObj(hook.objectSelector) && !parseLabelSelector(selectorString(hook.objectSelector))(target)) continue;
          if (isObj(hook.namespaceSelector) && req.namespace) {
            const ns = api.store.get(api.registry.byPlural('', 'v1', 'namespaces')!, undefined, req.namespace);
            if (ns && !parseLabelSelector(selectorString(hook.namespaceSelector))(ns)) continue;
          }
          await callHook(hook, req, resolveService);
        }
      }
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

async function callHook(hook: Obj, req: AdmissionRequest, resolveService: ServiceResolver | undefined): Promise<void> {
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
    if (failurePolicy === 'Ignore') return;
    throw new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook "${name}": failed to call webhook: Post "${url ?? ''}": ${(e as Error).message}`);
  }
  for (const w of asArr(response.warnings)) req.warnings.push(str(w));
  if (response.allowed === true) return;
  const status = asObj(response.status);
  const code = typeof status.code === 'number' && status.code >= 400 && status.code < 600 ? status.code : 400;
  const why = str(status.message) || str(status.reason);
  const message = why ? `admission webhook "${name}" denied the request: ${why}` : `admission webhook "${name}" denied the request without explanation`;
  throw new ApiError(code, str(status.reason) || (code === 403 ? 'Forbidden' : 'BadRequest'), message);
}
