/**
 * The validating webhook over TLS on `:9443` at controller-runtime's path. The serving certificate is
 * read from `--webhook-cert-path` and re-read when the files change (cert-manager rotation), without
 * a restart.
 */
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import type { BindAddress } from '../http/bind-address.js';
import { listen, type RunningServer } from '../http/serve.js';
import type { RuntimeLogger } from '../runtime/logger.js';
import { BadAdmissionRequest, reviewActionsGateway, type AdmissionPolicy } from './admission.js';

/** The ActionsGateway validation path (kubebuilder's naming). */
export const WEBHOOK_PATH = '/validate-actions-gateway-github-com-v1alpha1-actionsgateway';

const maxBody = 3 * 1024 * 1024;

/** Where the serving certificate comes from. */
export type WebhookCertSource = { readonly cert: string; readonly key: string } | { readonly dir: string; readonly certName: string; readonly keyName: string };

/** How the webhook server is built. */
export interface WebhookServerOptions {
  readonly address: BindAddress;
  readonly certificate: WebhookCertSource;
  readonly policy: AdmissionPolicy;
  readonly logger: RuntimeLogger;
}

function loadCert(source: WebhookCertSource): { cert: string; key: string } {
  if ('cert' in source) return source;
  try {
    return { cert: readFileSync(join(source.dir, source.certName), 'utf8'), key: readFileSync(join(source.dir, source.keyName), 'utf8') };
  } catch (err) {
    throw new Error(`webhook: cannot read the serving certificate from ${source.dir} (${source.certName}, ${source.keyName}): ${(err as Error).message}`, { cause: err });
  }
}

/** Starts the webhook; resolves once it listens. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningServer> {
  const { logger: log } = options;
  const server = createServer(loadCert(options.certificate), (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || path !== WEBHOOK_PATH) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        const review = reviewActionsGateway(JSON.parse(Buffer.concat(chunks).toString('utf8')), options.policy);
        if (review.response && !review.response.allowed) log.info({ uid: review.response.uid, message: review.response.status?.message }, 'admission denied');
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(review));
      } catch (err) {
        const message = err instanceof BadAdmissionRequest || err instanceof SyntaxError ? err.message : 'internal error';
        if (!(err instanceof BadAdmissionRequest || err instanceof SyntaxError)) log.error({ err }, 'admission review failed');
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${message}\n`);
      }
    });
  });
  const running = await listen(server, options.address);
  const source = options.certificate;
  if ('dir' in source) {
    const certFile = join(source.dir, source.certName);
    const reload = (): void => {
      try {
        server.setSecureContext(loadCert(source));
        log.info({ certFile }, 'webhook serving certificate reloaded');
      } catch (err) {
        log.error({ err }, 'webhook serving certificate reload failed; keeping the old one');
      }
    };
    watchFile(certFile, { interval: 10_000, persistent: false }, reload);
    return { port: running.port, close: (grace) => (unwatchFile(certFile, reload), running.close(grace)) };
  }
  return running;
}
