// The control surface for tests and the sandbox: in-process methods, and the same over HTTP under /_control/.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Clock, ManualClock } from '../clock.js';
import type { Faults, FaultRule } from './faults.js';
import { createJitRunner } from './jit.js';
import { match, sendEmpty, sendJson, num, str, field, type Ctx } from './http.js';
import type { CredentialKind, RecordedRequest, RunRecord } from './state.js';
import { jobView, runnerView, scaleSetView, sessionView, type JobView, type RunnerView, type ScaleSetView, type SessionView } from './views.js';
import { resetWorld, type EnqueueJobSpec, type World } from './world.js';

/** What {@link FakeGitHubControl.createApp} returns: everything a GitHub App owner would hold. */
export interface CreatedApp {
  appId: number;
  clientId: string;
  installationId: number;
  /** PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), as GitHub hands App keys out. */
  privateKeyPem: string;
  org: string;
}

/** The in-process control API of a running fake GitHub. */
export interface FakeGitHubControl {
  createApp(opts?: { org?: string }): CreatedApp;
  addOrg(org: string): void;
  addRepo(fullName: string): void;
  /** Adds a named runner group (the Default group, id 1, always exists); returns its id. */
  addRunnerGroup(name: string): number;
  /** Registers a runner directly (no REST call); `ephemeral: false` models a persistent `config.sh` runner. */
  createRunner(spec: { scope: string; name: string; labels: string[]; groupId?: number; ephemeral?: boolean }): { id: number; encodedJitConfig: string };
  enqueueJob(spec: EnqueueJobSpec): JobView;
  cancelRun(runId: number): RunRecord | undefined;
  completeRun(runId: number, conclusion?: string): RunRecord | undefined;
  job(requestId: number): JobView | undefined;
  jobs(): JobView[];
  runs(): RunRecord[];
  runners(): RunnerView[];
  sessions(): SessionView[];
  scaleSets(): ScaleSetView[];
  requests(): RecordedRequest[];
  /** Long-polls held open right now (classic and scale-set). */
  heldPolls(): number;
  clearRequests(): void;
  inject(rule: FaultRule): { id: string };
  clearFaults(id?: string): void;
  /** Expires a token now: `id` is the token itself, or its subject (installation app id, runner id, job request id, scale-set id). */
  expireToken(kind: CredentialKind, id: string | number): number;
  /** Queues a raw broker message (e.g. BrokerMigration, ForceTokenRefresh, an unknown type, a BOM-prefixed body) for a classic session's next poll. */
  pushMessage(sessionId: string, message: { messageType: string; body: string }): void;
  /**
   * Appends a raw message to a scale set's queue under the next message id: `body` is sent as it is (a
   * body that is not a JSON array, an entry without a jobId, an unknown entry type…). Returns the id.
   */
  pushScaleSetMessage(scaleSetId: number, message: { messageType?: string; body: string }): number;
  killSession(id: string): boolean;
  consumeRunner(id: number): void;
  advanceClock(ms: number): void;
  now(): number;
  setMeta(ranges: Record<string, string[]>): void;
  setScaleSetMode(mode: 'auto' | 'acquire'): void;
  /** Runners per page of the scale-set agents list when a request names no `$top` (default 100). */
  setAgentsPageSize(size: number): void;
  setAdminJwtEarlyExpiry(on: boolean): void;
  reset(): void;
}

export function createControl(world: World, faults: Faults, clock: Clock): FakeGitHubControl {
  const control: FakeGitHubControl = {
    createApp(opts) {
      const org = opts?.org ?? `org-${world.apps.size + 1}`;
      world.orgs.add(org);
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const appId = world.nextId('app');
      const app = { appId, clientId: `Iv23li${randomUUID().replace(/-/g, '').slice(0, 14)}`, installationId: world.nextId('inst'), org, publicKey };
      world.apps.set(appId, app);
      return { appId, clientId: app.clientId, installationId: app.installationId, org, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString() };
    },
    addOrg: (org) => void world.orgs.add(org),
    addRepo(fullName) {
      if (!/^[^/]+\/[^/]+$/.test(fullName)) throw new Error(`addRepo: "${fullName}" is not owner/name`);
      world.repos.add(fullName);
    },
    addRunnerGroup(name) {
      const existing = world.runnerGroups.get(name);
      if (existing !== undefined) return existing;
      const id = world.runnerGroups.size + 2;
      world.runnerGroups.set(name, id);
      return id;
    },
    createRunner(spec) {
      const m = /^(orgs|repos)\/([^/]+)/.exec(spec.scope);
      if (!m) throw new Error(`createRunner: scope must be orgs/{org} or repos/{owner}/{repo}, got "${spec.scope}"`);
      const { runner, encoded } = createJitRunner(world, { name: spec.name, scope: spec.scope, owner: m[2]!, groupId: spec.groupId ?? 1, labels: spec.labels, ephemeral: spec.ephemeral ?? true });
      return { id: runner.id, encodedJitConfig: encoded };
    },
    enqueueJob: (spec) => jobView(world.enqueueJob(spec)),
    cancelRun: (runId) => world.cancelRun(runId),
    completeRun: (runId, conclusion) => world.completeRun(runId, conclusion),
    job: (id) => {
      const j = world.jobs.get(id);
      return j ? jobView(j) : undefined;
    },
    jobs: () => [...world.jobs.values()].map(jobView),
    runs: () => [...world.runs.values()].map((r) => ({ ...r })),
    runners: () => [...world.runners.values(), ...world.tombstones.values()].map(runnerView),
    sessions: () => [...world.sessions.values()].map(sessionView),
    scaleSets: () => [...world.scaleSets.values()].map(scaleSetView),
    requests: () => [...world.requests],
    heldPolls: () => world.heldPolls(),
    clearRequests: () => void (world.requests.length = 0),
    inject: (rule) => ({ id: faults.add(rule).id }),
    clearFaults: (id) => void (faults.rules = id ? faults.rules.filter((r) => r.id !== id) : []),
    expireToken(kind, id) {
      let n = 0;
      for (const t of world.tokens.values()) {
        if (t.kind === kind && (t.token === String(id) || t.subject === String(id))) {
          t.expiresAt = Math.min(t.expiresAt, clock.now());
          n++;
        }
      }
      return n;
    },
    pushMessage(sessionId, message) {
      const s = world.sessions.get(sessionId);
      if (!s) throw new Error(`pushMessage: no session ${sessionId}`);
      if (typeof message?.messageType !== 'string' || typeof message.body !== 'string') throw new Error('pushMessage: messageType and body must be strings');
      s.outbox.push({ messageType: message.messageType, body: message.body });
      world.wake();
    },
    pushScaleSetMessage(scaleSetId, message) {
      const set = world.scaleSets.get(scaleSetId);
      if (!set) throw new Error(`pushScaleSetMessage: no scale set ${scaleSetId}`);
      if (typeof message?.body !== 'string') throw new Error('pushScaleSetMessage: body must be a string');
      const messageId = world.nextId('msg');
      set.log.push({ messageId, deleted: false, entries: [], raw: { messageType: message.messageType ?? 'RunnerScaleSetJobMessages', body: message.body } });
      world.wake();
      return messageId;
    },
    killSession(id) {
      if (world.killSession(id, 'invalidated')) return true;
      for (const s of world.scaleSets.values()) {
        if (s.session?.sessionId === id) {
          delete s.session;
          world.wake();
          return true;
        }
      }
      return false;
    },
    consumeRunner: (id) => world.consumeRunner(id),
    advanceClock(ms) {
      const c = clock as Partial<ManualClock>;
      if (typeof c.advance !== 'function') throw new Error('advanceClock needs a manual clock (pass clock: new ManualClock())');
      c.advance(ms);
    },
    now: () => clock.now(),
    setMeta: (ranges) => void (world.meta = { ...ranges }),
    setScaleSetMode: (mode) => void (world.scaleSetMode = mode),
    setAgentsPageSize: (size) => {
      if (!Number.isInteger(size) || size < 1) throw new Error(`setAgentsPageSize: size must be a positive integer, got ${size}`);
      world.agentsPageSize = size;
    },
    setAdminJwtEarlyExpiry: (on) => void (world.adminJwtEarlyExpiry = on),
    reset() {
      faults.rules = [];
      resetWorld(world);
    },
  };
  return control;
}

/** Serves the control API as JSON under /_control/. */
export function handleControl(control: FakeGitHubControl, ctx: Ctx): void {
  const p = ctx.path.slice('/_control'.length) || '/';
  const m = ctx.method;
  const body = ctx.body;
  const ok = (v: unknown): void => sendJson(ctx, 200, v ?? {});
  const bad = (msg: string): void => sendJson(ctx, 400, { message: msg });
  try {
    if (ctx.bodyError) return bad(`invalid JSON body: ${ctx.bodyError}`);
    if (m === 'POST' && p === '/apps') return ok(control.createApp({ ...(str(body, 'org') ? { org: str(body, 'org')! } : {}) }));
    if (m === 'POST' && p === '/orgs') return str(body, 'org') ? ok(control.addOrg(str(body, 'org')!)) : bad('org is required');
    if (m === 'POST' && p === '/repos') return str(body, 'repo') ? ok(control.addRepo(str(body, 'repo')!)) : bad('repo is required');
    if (m === 'POST' && p === '/runner-groups') return str(body, 'name') ? ok({ id: control.addRunnerGroup(str(body, 'name')!) }) : bad('name is required');
    if (m === 'POST' && p === '/runners') return ok(control.createRunner(body as Parameters<FakeGitHubControl['createRunner']>[0]));
    if (m === 'POST' && p === '/jobs') return ok(control.enqueueJob(body as EnqueueJobSpec));
    if (m === 'GET' && p === '/jobs') return ok(control.jobs());
    if (m === 'GET' && p === '/runs') return ok(control.runs());
    if (m === 'GET' && p === '/runners') return ok(control.runners());
    if (m === 'GET' && p === '/sessions') return ok(control.sessions());
    if (m === 'GET' && p === '/scale-sets') return ok(control.scaleSets());
    if (m === 'GET' && p === '/requests') return ok(control.requests());
    if (m === 'GET' && p === '/held-polls') return ok({ held: control.heldPolls() });
    if (m === 'DELETE' && p === '/requests') return ok(control.clearRequests());
    if (m === 'POST' && p === '/faults') return ok(control.inject(body as FaultRule));
    if (m === 'DELETE' && p === '/faults') return ok(control.clearFaults(ctx.query.id));
    if (m === 'POST' && p === '/tokens/expire') return ok({ expired: control.expireToken(str(body, 'kind') as CredentialKind, String(field(body, 'id'))) });
    if (m === 'POST' && p === '/clock/advance') return num(body, 'ms') !== undefined ? ok(control.advanceClock(num(body, 'ms')!)) : bad('ms is required');
    if (m === 'GET' && p === '/clock') return ok({ now: new Date(control.now()).toISOString() });
    if (m === 'PUT' && p === '/meta') return ok(control.setMeta(body as Record<string, string[]>));
    if (m === 'PUT' && p === '/scale-set-mode') return ok(control.setScaleSetMode(str(body, 'mode') === 'acquire' ? 'acquire' : 'auto'));
    if (m === 'PUT' && p === '/agents-page-size') {
      const size = num(body, 'size');
      return size !== undefined && Number.isInteger(size) && size >= 1 ? ok(control.setAgentsPageSize(size)) : bad('size must be a positive integer');
    }
    if (m === 'PUT' && p === '/admin-jwt-early-expiry') return ok(control.setAdminJwtEarlyExpiry(field(body, 'on') === true));
    if (m === 'POST' && p === '/reset') return ok(control.reset());
    let r = match('/runs/{id}/cancel', p);
    if (m === 'POST' && r) return ok(control.cancelRun(Number(r.id)));
    r = match('/runs/{id}/complete', p);
    if (m === 'POST' && r) return ok(control.completeRun(Number(r.id), str(body, 'conclusion')));
    r = match('/jobs/{id}', p);
    if (m === 'GET' && r) {
      const j = control.job(Number(r.id));
      return j ? ok(j) : sendJson(ctx, 404, { message: `job ${r.id} not found` });
    }
    r = match('/sessions/{id}/messages', p);
    if (m === 'POST' && r) return ok(control.pushMessage(r.id!, body as { messageType: string; body: string }));
    r = match('/scale-sets/{id}/messages', p);
    if (m === 'POST' && r) return ok({ messageId: control.pushScaleSetMessage(Number(r.id), body as { messageType?: string; body: string }) });
    r = match('/sessions/{id}/kill', p);
    if (m === 'POST' && r) return ok({ killed: control.killSession(r.id!) });
    r = match('/runners/{id}/consume', p);
    if (m === 'POST' && r) return ok(control.consumeRunner(Number(r.id)));
    sendEmpty(ctx, 404, { 'x-fake-github-route': 'unmatched' });
  } catch (err) {
    bad(err instanceof Error ? err.message : String(err));
  }
}
