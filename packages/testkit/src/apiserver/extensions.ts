// Wires the optional machinery into a server: CRD serving, OpenAPI documents and the admission plugins.
import { CrdController } from './crd-controller.js';
import { crdAdmission } from './crd-admission.js';
import type { RouterContext } from './router.js';

/** Installs CRD serving and admission; returns a handle to stop background work. */
export function installExtensions(ctx: RouterContext): { stop(): void } {
  const crds = new CrdController(ctx.api);
  ctx.api.plugins.push(crdAdmission());
  return {
    stop() {
      crds.stop();
    },
  };
}
