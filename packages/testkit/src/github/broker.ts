// The classic broker (U3, spec §7–8): sessions, the GetMessage long-poll, acknowledge.
import { constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import { randomUUID } from './crypto.js';
import { brokerError, field, num, sendEmpty, sendJson, str, type Ctx } from './http.js';
import { holdLongPoll } from './long-poll.js';
import type { SessionRecord } from './state.js';
import type { World } from './world.js';

export interface BrokerOptions {
  /** Return an `encryptionKey` on session create and encrypt message bodies (off on the live v2 broker). */
  encryptMessages: boolean;
}


export function handleBroker(world: World, ctx: Ctx, opts: BrokerOptions): boolean | Promise<void> {
  if (!ctx.path.startsWith('/_broker/')) return false;
  const route = ctx.path.slice('/_broker/'.length).replace(/\/$/, '');
  if (route === 'session' && ctx.method === 'POST') return createSession(world, ctx, opts), true;
  if (route === 'session' && ctx.method === 'DELETE') return deleteSession(world, ctx), true;
  if (route === 'message' && ctx.method === 'GET') return getMessage(world, ctx);
  if (route === 'acknowledge' && ctx.method === 'POST') return acknowledge(world, ctx), true;
  return false;
}

function sendUnauthorized(ctx: Ctx): void {
  ctx.status = 401;
  ctx.res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-length': '0' });
  ctx.res.end();
}

function expireIdle(world: World, s: SessionRecord): void {
  if (s.status === 'active' && world.clock.now() - s.lastPollAt > world.timings.sessionIdleMs) world.killSession(s.sessionId, 'expired');
}

function createSession(world: World, ctx: Ctx, opts: BrokerOptions): void {
  const tok = world.liveToken(ctx.token, 'runner-oauth');
  const runner = tok ? world.runners.get(Number(tok.subject)) : undefined;
  if (!tok || !runner) return sendUnauthorized(ctx);
  if (ctx.bodyError) return brokerError(ctx, 400, undefined, `The request body is not valid JSON: ${ctx.bodyError}`);
  const agent = field(ctx.body, 'agent');
  const agentId = num(agent, 'id');
  if (!agentId) return brokerError(ctx, 400, undefined, 'agent.id is required and must be the registered agentId');
  if (agentId !== runner.id) return brokerError(ctx, 404, 'RunnerNotFound', `Runner ${agentId} not found`);
  for (const s of world.sessions.values()) expireIdle(world, s);
  if ([...world.sessions.values()].some((s) => s.runnerId === runner.id && s.status === 'active')) {
    return brokerError(ctx, 409, undefined, `A session for runner '${runner.name}' already exists.`);
  }
  const session: SessionRecord = {
    sessionId: randomUUID(), runnerId: runner.id, ownerName: str(ctx.body, 'ownerName') ?? '', token: tok.token,
    status: 'active', lastPollAt: world.clock.now(), outbox: [],
  };
  // Per-session bearer identity: DELETE keys on the token, so a token that already has a session keeps it.
  for (const s of world.sessions.values()) if (s.token === tok.token && s.status === 'active') world.killSession(s.sessionId, 'invalidated');
  const useFips = field(ctx.body, 'useFipsEncryption') === true;
  let encryptionKey: { encrypted: boolean; value: string } | undefined;
  if (opts.encryptMessages) {
    session.aesKey = randomBytes(32);
    const wrapped = publicEncrypt({ key: runner.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: useFips ? 'sha256' : 'sha1' }, session.aesKey);
    encryptionKey = { encrypted: true, value: wrapped.toString('base64') };
  }
  world.sessions.set(session.sessionId, session);
  runner.status = 'online';
  sendJson(ctx, 200, {
    sessionId: session.sessionId, ownerName: session.ownerName,
    agent: { id: runner.id, name: runner.name, version: str(agent, 'version') ?? '', osDescription: str(agent, 'osDescription') ?? '' },
    useFipsEncryption: useFips, ...(encryptionKey ? { encryptionKey } : {}),
  });
  world.wake();
}

function deleteSession(world: World, ctx: Ctx): void {
  const s = [...world.sessions.values()].find((x) => x.token === ctx.token && x.status === 'active');
  if (!s) return brokerError(ctx, 404, 'RunnerSessionInvalid', 'The session for this token was not found.');
  world.killSession(s.sessionId, 'deleted');
  sendEmpty(ctx, 200);
}

function envelope(s: SessionRecord, m: { messageId: number; messageType: string; body: string }): Record<string, unknown> {
  if (!s.aesKey) return { messageId: m.messageId, messageType: m.messageType, body: m.body };
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', s.aesKey, iv);
  const body = Buffer.concat([c.update(m.body, 'utf8'), c.final()]).toString('base64');
  return { messageId: m.messageId, messageType: m.messageType, body, iv: iv.toString('base64') };
}

async function getMessage(world: World, ctx: Ctx): Promise<void> {
  const s = world.sessions.get(ctx.query.sessionId ?? '');
  const tokRec = ctx.token ? world.tokens.get(ctx.token) : undefined;
  if (!tokRec || tokRec.kind !== 'runner-oauth') return sendUnauthorized(ctx);
  if (!s || s.runnerId !== Number(tokRec.subject)) return brokerError(ctx, 404, 'RunnerSessionInvalid', 'The session is not valid.');
  const tomb = world.tombstones.get(s.runnerId);
  // A single-use runner keeps its session while the job it took is open: the runner (run-once mode) goes on
  // polling for that job's JobCancellation (RUN `Runner.cs`, `runOnceJobReceived`). Nothing else reaches it.
  const holdsOpenJob = tomb !== undefined && [...world.jobs.values()].some((j) => j.acquiredBy?.runnerId === s.runnerId && (j.state === 'acquired' || j.state === 'running'));
  if (tomb && !holdsOpenJob) {
    // The consumed-JIT signature (spec §5.4): one 200 with an empty body, then 401 for ever.
    if (!s.consumedSignalled) {
      s.consumedSignalled = true;
      s.status = 'invalidated';
      ctx.status = 200;
      ctx.res.writeHead(200, { 'content-length': '0' });
      ctx.res.end();
      return;
    }
    return sendUnauthorized(ctx);
  }
  if (!holdsOpenJob && !world.liveToken(ctx.token, 'runner-oauth')) return sendUnauthorized(ctx);
  expireIdle(world, s);
  if (s.status !== 'active') return brokerError(ctx, 404, 'RunnerSessionInvalid', 'The session is not valid.');
  s.lastPollAt = world.clock.now();
  const first = world.nextMessage(s);
  if (first) return sendJson(ctx, 200, envelope(s, first));
  await holdLongPoll(
    world,
    ctx,
    () => {
      if (s.status !== 'active') return () => sendEmpty(ctx, 202);
      const m = world.nextMessage(s);
      return m ? () => sendJson(ctx, 200, envelope(s, m)) : undefined;
    },
    () => {
      s.lastPollAt = world.clock.now();
      sendEmpty(ctx, 202);
    },
  );
}

function acknowledge(world: World, ctx: Ctx): void {
  if (!world.liveToken(ctx.token, 'runner-oauth')) return sendUnauthorized(ctx);
  const id = str(ctx.body, 'runnerRequestId');
  const found = id ? world.findDelivery(id) : undefined;
  if (!found || found.delivery.expired || found.job.state === 'completed' || found.job.state === 'cancelled') {
    return brokerError(ctx, 404, 'AcknowledgeJobNotFound', `Runner request ${id ?? '(none)'} was not found.`);
  }
  sendEmpty(ctx, 200);
}

