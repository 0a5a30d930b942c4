// Wires the optional machinery into a server: CRD serving, OpenAPI documents and the admission plugins.
import { CrdController } from './crd-controller.js';
import { crdAdmission } from './crd-admission.js';
import { groupVersionDocument, openApiIndex } from './openapi.js';
import { limitRangeAdmission } from './limit-range.js';
import { QuotaController, quotaAdmission } from './quota.js';
import type { RouterContext } from './router.js';
import type { ServiceResolver } from './webhook.js';
import { webhookAdmission } from './webhook.js';

/** Installs CRD serving and admission; returns a handle to stop background work. */
export function installExtensions(ctx: RouterContext, resolveService?: ServiceResolver): { stop(): void } {
  const crds = new CrdController(ctx.api);
  const quotas = new QuotaController(ctx.api);
  ctx.api.plugins.push(crdAdmission(), limitRangeAdmission(ctx.api), quotaAdmission(ctx.api), webhookAdmission(ctx.api, resolveService));
  ctx.extraRoutes.push((path) => {
    if (path === '/openapi/v3') return { status: 200, body: openApiIndex(ctx.registry) };
    const m = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!m) return undefined;
    const doc = m[1] ? groupVersionDocument(ctx.registry, '', m[1]) : groupVersionDocument(ctx.registry, m[2]!, m[3]!);
    return doc ? { status: 200, body: doc } : undefined;
  });
  return {
    stop() {
      crds.stop();
      quotas.stop();
    },
  };
}
