// startFakeGitHub: one HTTP(S) server on 127.0.0.1 carrying REST (also under /api/v3), OAuth, broker,
// run service, scale-set API and /_control/.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';
import { handleBroker } from './broker.js';
import { systemClock, type Clock } from '../clock.js';
import { PROFILES, type FakeProfile, type FakeTimings } from './config.js';
import { createControl, handleControl, type FakeGitHubControl } from './control.js';
import { applyFault, Faults } from './faults.js';
import { sendEmpty, type Ctx } from './http.js';
import { handleOAuth } from './oauth.js';
import { classifyCredential, parseAuthorization } from './recorder.js';
import { handleRest } from './rest.js';
import { handleRunService } from './runservice.js';
import { handleScaleSet, installScaleSetHooks } from './scaleset.js';
import { createTestCertificates } from '../tls.js';
import { RsaKeyPool, checkRunnerKeyOptions, type RunnerKeyOptions } from './crypto.js';
import type { RecordedRequest } from './state.js';
import { World } from './world.js';

/** Options of {@link startFakeGitHub}. */
export interface FakeGitHubOptions {
  /** Serve HTTPS with a certificate from the fake's own CA (see {@link FakeGitHub.caPem}). */
  https?: boolean;
  /** The clock every timer runs on (default: the wall clock). Pass a `ManualClock` to drive time from tests. */
  clock?: Clock;
  /** `production` (default) or `fast` timings; individual knobs override either. */
  profile?: FakeProfile;
  /** Reject the Go original's mistakes (`result` instead of `conclusion`, runner_request_id as jobId). Default true. */
  strict?: boolean;
  /** Long-poll hold; shorthand for `timings.holdMs`. */
  holdMs?: number;
  timings?: Partial<FakeTimings>;
  /** Encrypt classic broker messages with a per-session key, as the broker does when it returns `encryptionKey`. */
  encryptMessages?: boolean;
  port?: number;
  /**
   * Make the RSA keys of JIT runners ahead, off the event loop (default: each is made when a runner is
   * registered, blocking for 70–400 ms), and with `reuse` hand the same ones out round-robin. For a fake
   * sharing its process with other servers (the sandbox) or with the client under test (benchmarks).
   */
  runnerKeys?: RunnerKeyOptions;
  /** Keep at most this many recorded requests (default 10,000). */
  maxRecorded?: number;
}

/** A running fake GitHub. */
export interface FakeGitHub {
  /** Base URL, without a trailing slash. */
  url: string;
  /** REST base (`url`); the same routes are also served under `${url}/api/v3` for GHES-shaped clients. */
  apiUrl: string;
  /** The CA certificate (PEM) that signed the server certificate, when `https` is set. */
  caPem?: string;
  control: FakeGitHubControl;
  close(): Promise<void>;
}

const MAX_BODY = 5 * 1024 * 1024;

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const clock = options.clock ?? systemClock;
  const timings: FakeTimings = { ...PROFILES[options.profile ?? 'production'], ...options.timings };
  if (options.holdMs !== undefined) timings.holdMs = options.holdMs;
  if (options.runnerKeys) checkRunnerKeyOptions(options.runnerKeys);
  const world = new World(clock, timings, options.strict ?? true, '');
  const faults = new Faults(world);
  const control = createControl(world, faults, clock);
  installScaleSetHooks(world);
  const brokerOpts = { encryptMessages: options.encryptMessages ?? false };
  const maxRecorded = options.maxRecorded ?? 10_000;
  const sockets = new Set<Socket>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake github internal error: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const rawBody = await readBody(req);
    // Clients that join a base ending in `/` with a path starting with `/` send `//`; the real services tolerate it.
    const rawPath = url.pathname.replace(/\/{2,}/g, '/');
    const path = rawPath.startsWith('/api/v3/') ? rawPath.slice('/api/v3'.length) : rawPath === '/api/v3' ? '/' : rawPath;
    const auth = parseAuthorization(req.headers.authorization);
    const ctx: Ctx = {
      req, res, method: req.method ?? 'GET', path, rawPath, query: Object.fromEntries(url.searchParams), headers: req.headers,
      rawBody: rawBody ?? '', body: undefined, credential: classifyCredential(world, auth.scheme, auth.token), status: 0,
      ...(auth.scheme ? { scheme: auth.scheme } : {}), ...(auth.token ? { token: auth.token } : {}),
    };
    if (rawBody === undefined) ctx.bodyError = `body larger than ${MAX_BODY} bytes`;
    else parseBody(ctx);
    if (path.startsWith('/_control/') || path === '/_control') return handleControl(control, ctx);
    const capacity = ctx.headers['x-scalesetmaxcapacity'];
    const record: RecordedRequest = {
      at: clock.now(), method: ctx.method, path, query: ctx.query, credential: ctx.credential, body: ctx.body, status: 0,
      ...(typeof capacity === 'string' ? { scaleSetMaxCapacity: Number(capacity) } : {}),
    };
    world.requests.push(record);
    // The client went away before the response was finished (it aborted, or timed out): whatever the
    // response said, it never reached the client, which cannot have acted on it (a Retry-After, say).
    res.once('close', () => {
      if (!res.writableFinished) record.abandoned = true;
    });
    if (world.requests.length > maxRecorded) world.requests.splice(0, world.requests.length - maxRecorded);
    const fault = faults.take(ctx);
    if (fault) {
      record.fault = fault.id;
      const took = await applyFault(world, ctx, fault);
      if (took) return void (record.status = ctx.status);
    }
    const handled =
      handleOAuth(world, ctx) || handleRunService(world, ctx) || handleScaleSet(world, ctx) || handleRest(world, ctx);
    if (!handled) {
      const b = handleBroker(world, ctx, brokerOpts);
      if (b instanceof Promise) await b;
      else if (!b) sendEmpty(ctx, 404, { 'x-fake-github-route': 'unmatched' });
    }
    record.status = ctx.status;
  }

  let server: Server;
  let caPem: string | undefined;
  if (options.https) {
    const tls = await createTestCertificates();
    caPem = tls.caPem;
    server = createHttps({ key: tls.keyPem, cert: tls.certPem }, handler);
  } else server = createHttp(handler);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  world.baseUrl = url;
  // Started once the certificates are made: key making fills libuv's thread pool, which web crypto shares.
  if (options.runnerKeys) world.rsaPool = new RsaKeyPool(options.runnerKeys);
  if (options.runnerKeys?.reuse) await world.rsaPool?.full();
  return {
    url, apiUrl: url, control, ...(caPem ? { caPem } : {}),
    async close() {
      control.reset();
      world.rsaPool?.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function parseBody(ctx: Ctx): void {
  const text = ctx.rawBody.replace(/^\uFEFF/, '');
  if (!text) return;
  const type = String(ctx.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) {
    ctx.body = Object.fromEntries(new URLSearchParams(text));
    return;
  }
  try {
    ctx.body = JSON.parse(text) as unknown;
  } catch (err) {
    ctx.bodyError = err instanceof Error ? err.message : String(err);
  }
}
