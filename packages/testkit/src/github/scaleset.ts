// The runner scale-set API (spec §13): RemoteAuth hop, runner groups, scale-set CRUD, one session per
// scale set, the message queue with X-ScaleSetMaxCapacity per poll, acquirejobs and auto-assignment.
import { mintOpaqueJwt, randomUUID } from './crypto.js';
import { actionsException, field, match, num, sendEmpty, sendJson, sendText, str, type Ctx } from './http.js';
import { createJitRunner } from './jit.js';
import { holdLongPoll } from './long-poll.js';
import type { JobRecord, ScaleSetRecord, ScaleSetSession } from './state.js';
import type { World } from './world.js';

const TENANT = '/_actions';
const QUEUE = '/_broker/scalesets/message';

export function installScaleSetHooks(world: World): void {
  world.onScaleSetJobQueued = (job) => {
    const set = job.scaleSetId !== undefined ? world.scaleSets.get(job.scaleSetId) : undefined;
    if (!set) return;
    if (world.scaleSetMode === 'acquire') {
      job.scaleSetState = 'available';
      append(world, set, [entry(world, job, 'JobAvailable', { acquireJobUrl: `${world.baseUrl}${TENANT}/_apis/runtime/runnerscalesets/${set.id}/acquirejobs` })]);
    }
  };
  world.onScaleSetJobEvent = (job, event) => {
    const set = job.scaleSetId !== undefined ? world.scaleSets.get(job.scaleSetId) : undefined;
    if (!set) return;
    const runner = job.acquiredBy ? { runnerId: job.acquiredBy.runnerId, runnerName: job.acquiredBy.runnerName } : { runnerId: 0, runnerName: '' };
    if (event === 'started') append(world, set, [entry(world, job, 'JobStarted', runner)]);
    else append(world, set, [entry(world, job, 'JobCompleted', { ...runner, result: job.conclusion ?? 'canceled', finishTime: new Date(world.clock.now()).toISOString() })]);
  };
}

function entry(world: World, job: JobRecord, messageType: string, extra: Record<string, unknown>): Record<string, unknown> {
  const now = new Date(world.clock.now()).toISOString();
  return {
    messageType, runnerRequestId: job.requestId, jobId: job.jobId, repositoryName: job.repo.split('/')[1], ownerName: job.owner,
    workflowRunId: job.runId, jobWorkflowRef: `${job.repo}/.github/workflows/${job.workflow}@refs/heads/main`, jobDisplayName: 'build',
    eventName: 'push', requestLabels: job.labels, queueTime: new Date(job.queuedAt).toISOString(), scaleSetAssignTime: now,
    runnerAssignTime: now, finishTime: null, ...extra,
  };
}

function append(world: World, set: ScaleSetRecord, entries: Record<string, unknown>[]): void {
  set.log.push({ messageId: world.nextId('msg'), deleted: false, entries });
  world.wake();
}

function setJobs(world: World, set: ScaleSetRecord): JobRecord[] {
  return [...world.jobs.values()].filter((j) => j.scaleSetId === set.id);
}

/** Statistics derived from job and runner states (there is no stored counter to drift). */
export function statistics(world: World, set: ScaleSetRecord): Record<string, number> {
  const jobs = setJobs(world, set);
  const open = (j: JobRecord): boolean => j.state !== 'completed' && j.state !== 'cancelled';
  const runners = [...world.runners.values()].filter((r) => r.scaleSetId === set.id);
  const busy = runners.filter((r) => r.busy).length;
  return {
    totalAvailableJobs: jobs.filter((j) => open(j) && j.scaleSetState === 'available').length,
    totalAcquiredJobs: jobs.filter((j) => open(j) && j.scaleSetState === 'acquired').length,
    totalAssignedJobs: jobs.filter((j) => open(j) && (j.scaleSetState === 'assigned' || j.scaleSetState === 'acquired')).length,
    totalRunningJobs: jobs.filter((j) => j.state === 'acquired' || j.state === 'running').length,
    totalRegisteredRunners: runners.length,
    totalBusyRunners: busy,
    totalIdleRunners: runners.length - busy,
  };
}

function setJson(world: World, s: ScaleSetRecord): Record<string, unknown> {
  return {
    id: s.id, name: s.name, runnerGroupId: s.runnerGroupId, runnerGroupName: s.runnerGroupName,
    labels: s.labels.map((name, i) => ({ id: i + 1, name, type: 'System' })), RunnerSetting: s.runnerSetting, createdOn: s.createdOn,
    runnerJitConfigUrl: `${world.baseUrl}${TENANT}/_apis/runtime/runnerscalesets/${s.id}/generatejitconfig`, statistics: statistics(world, s),
  };
}

function sessionJson(world: World, set: ScaleSetRecord, s: ScaleSetSession): Record<string, unknown> {
  return {
    sessionId: s.sessionId, ownerName: s.ownerName, runnerScaleSet: setJson(world, set), messageQueueUrl: `${world.baseUrl}${QUEUE}`,
    messageQueueAccessToken: s.queueToken, statistics: statistics(world, set),
  };
}

function newQueueToken(world: World, set: ScaleSetRecord, sessionId: string): string {
  return world.mintToken('queue-token', `${set.id}:${sessionId}`, world.timings.queueTokenTtlMs, 'qt_').token;
}

export function handleScaleSet(world: World, ctx: Ctx): boolean | Promise<void> {
  if (ctx.path === '/actions/runner-registration' && ctx.method === 'POST') return remoteAuth(world, ctx), true;
  if (ctx.path === QUEUE && ctx.method === 'GET') return poll(world, ctx);
  const del = match(`${QUEUE}/{id}`, ctx.path);
  if (del && ctx.method === 'DELETE') return ack(world, ctx, Number(del.id)), true;
  if (!ctx.path.startsWith(`${TENANT}/`)) return false;
  return admin(world, ctx, ctx.path.slice(TENANT.length));
}

function remoteAuth(world: World, ctx: Ctx): void {
  const reg = ctx.scheme?.toLowerCase() === 'remoteauth' ? world.liveToken(ctx.token, 'registration-token') : undefined;
  if (!reg) return sendJson(ctx, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
  const url = str(ctx.body, 'url');
  const target = url ? /^https?:\/\/[^/]+\/(.+?)\/?$/.exec(url)?.[1] : undefined;
  const scope = target ? (target.includes('/') ? `repos/${target}` : `orgs/${target}`) : undefined;
  if (!scope || scope !== reg.subject) return sendJson(ctx, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  const now = world.clock.now();
  const exp = now + world.timings.adminJwtTtlMs;
  const token = mintOpaqueJwt({ iss: 'fake-github', aud: 'actions', scope, nbf: Math.floor(now / 1000), exp: Math.floor(exp / 1000) });
  // The early-expiry switch models the observed 401 ~17 min into a nominal hour: the claim says 1 h, the server disagrees.
  const serverExp = world.adminJwtEarlyExpiry ? now + world.timings.adminJwtEarlyExpiryMs : exp;
  world.tokens.set(token, { token, kind: 'admin-jwt', subject: scope, expiresAt: serverExp });
  sendJson(ctx, 200, { url: `${world.baseUrl}${TENANT}`, token, token_schema: 'OAuthAccessToken', use_v2_flow: true });
}

function admin(world: World, ctx: Ctx, p: string): boolean {
  const route = p.replace(/\/+$/, '');
  const acq = match('/_apis/runtime/runnerscalesets/{id}/acquirejobs', route);
  if (acq && ctx.method === 'POST') return acquireJobs(world, ctx, Number(acq.id)), true;
  const tok = world.liveToken(ctx.token, 'admin-jwt');
  if (!tok) return actionsException(ctx, 401, 'InvalidTokenException', 'The access token is invalid or has expired.'), true;
  const scope = tok.subject;
  const owner = scope.split('/')[1]!;
  const m = ctx.method;
  if (ctx.bodyError) return actionsException(ctx, 400, 'ArgumentException', `Invalid JSON: ${ctx.bodyError}`), true;
  if (route === '/_apis/runtime/runnergroups' && m === 'GET') {
    const name = ctx.query.groupName;
    const groups = [{ id: 1, name: 'Default', size: 0, isDefaultGroup: true }, ...[...world.runnerGroups].map(([n, id]) => ({ id, name: n, size: 0, isDefaultGroup: false }))];
    const value = groups.filter((g) => !name || g.name === name);
    return sendJson(ctx, 200, { count: value.length, value }), true;
  }
  const sets = [...world.scaleSets.values()].filter((s) => s.scope === scope);
  if (route === '/_apis/runtime/runnerscalesets' && m === 'GET') {
    const value = sets.filter((s) => (!ctx.query.name || s.name === ctx.query.name) && (!ctx.query.runnerGroupId || s.runnerGroupId === Number(ctx.query.runnerGroupId)));
    return sendJson(ctx, 200, { count: value.length, value: value.map((s) => setJson(world, s)) }), true;
  }
  if (route === '/_apis/runtime/runnerscalesets' && m === 'POST') {
    const name = str(ctx.body, 'name');
    const groupId = num(ctx.body, 'runnerGroupId') ?? 1;
    if (!name) return actionsException(ctx, 400, 'ArgumentNullException', "Value cannot be null. (Parameter 'name')"), true;
    if (sets.some((s) => s.name === name && s.runnerGroupId === groupId)) return actionsException(ctx, 409, 'RunnerScaleSetExistsException', `A runner scale set named '${name}' already exists.`), true;
    const labelsIn = field(ctx.body, 'labels');
    const labels = Array.isArray(labelsIn) ? labelsIn.map((l) => str(l, 'name')).filter((l): l is string => !!l) : [];
    const groupName = groupId === 1 ? 'Default' : [...world.runnerGroups].find(([, id]) => id === groupId)?.[0] ?? `group-${groupId}`;
    const set: ScaleSetRecord = {
      id: world.nextId('scaleSet'), name, runnerGroupId: groupId, runnerGroupName: groupName, labels: labels.length ? labels : [name],
      owner, scope, runnerSetting: (field(ctx.body, 'RunnerSetting') ?? field(ctx.body, 'runnerSetting') ?? {}) as Record<string, unknown>,
      createdOn: new Date(world.clock.now()).toISOString(), log: [],
    };
    world.scaleSets.set(set.id, set);
    // Jobs queued before the scale set existed are picked up now.
    for (const j of world.jobs.values()) {
      if (j.scaleSetId === undefined && j.owner === owner && j.state === 'queued' && j.labels.some((l) => l.toLowerCase() === name.toLowerCase())) {
        j.scaleSetId = set.id;
        world.onScaleSetJobQueued?.(j);
      }
    }
    return sendJson(ctx, 200, setJson(world, set)), true;
  }
  const one = match('/_apis/runtime/runnerscalesets/{id}', route);
  const sub = match('/_apis/runtime/runnerscalesets/{id}/{op}', route);
  const sess = match('/_apis/runtime/runnerscalesets/{id}/sessions/{sid}', route);
  const id = Number((one ?? sub ?? sess)?.id);
  const set = sets.find((s) => s.id === id);
  if ((one || sub || sess) && !set) return actionsException(ctx, 404, 'RunnerScaleSetNotFoundException', `Runner scale set ${id} not found.`), true;
  if (one && set) {
    if (m === 'GET') return sendJson(ctx, 200, setJson(world, set)), true;
    if (m === 'PATCH') {
      const n = str(ctx.body, 'name');
      if (n) set.name = n;
      const rs = field(ctx.body, 'RunnerSetting') ?? field(ctx.body, 'runnerSetting');
      if (rs && typeof rs === 'object') set.runnerSetting = rs as Record<string, unknown>;
      return sendJson(ctx, 200, setJson(world, set)), true;
    }
    if (m === 'DELETE') {
      world.scaleSets.delete(set.id);
      return sendEmpty(ctx, 204), true;
    }
  }
  if (sub && set && sub.op === 'generatejitconfig' && m === 'POST') {
    const name = str(ctx.body, 'name');
    if (!name) return actionsException(ctx, 400, 'ArgumentNullException', "Value cannot be null. (Parameter 'name')"), true;
    if ([...world.runners.values()].some((r) => r.scope === scope && r.name === name)) return actionsException(ctx, 409, 'AgentExistsException', `A runner with name '${name}' already exists.`), true;
    const { runner, encoded } = createJitRunner(world, {
      name, scope, owner, groupId: set.runnerGroupId, labels: set.labels, scaleSetId: set.id,
      ...(str(ctx.body, 'workFolder') ? { workFolder: str(ctx.body, 'workFolder')! } : {}),
    });
    return sendJson(ctx, 200, { runner: { id: runner.id, name: runner.name, runnerScaleSetId: set.id }, encodedJITConfig: encoded }), true;
  }
  if (sub && set && sub.op === 'acquirablejobs' && m === 'GET') {
    const value = setJobs(world, set).filter((j) => j.scaleSetState === 'available' && j.state === 'queued').map((j) => ({ runnerRequestId: j.requestId, jobId: j.jobId, requestLabels: j.labels }));
    return value.length ? (sendJson(ctx, 200, { count: value.length, value }), true) : (sendEmpty(ctx, 204), true);
  }
  if (sub && set && sub.op === 'sessions' && m === 'POST') {
    if (set.session && world.clock.now() - set.session.lastPollAt > world.timings.scaleSetSessionIdleMs) delete set.session;
    if (set.session) return actionsException(ctx, 409, 'TaskAgentSessionConflictException', `A session for runner scale set '${set.name}' already exists.`), true;
    const sessionId = randomUUID();
    set.session = { sessionId, ownerName: str(ctx.body, 'ownerName') ?? '', queueToken: newQueueToken(world, set, sessionId), lastPollAt: world.clock.now() };
    return sendJson(ctx, 200, sessionJson(world, set, set.session)), true;
  }
  if (sess && set) {
    if (!set.session || set.session.sessionId !== sess.sid) return actionsException(ctx, 404, 'TaskAgentSessionExpiredException', `Session ${sess.sid} not found.`), true;
    if (m === 'PATCH') {
      set.session.queueToken = newQueueToken(world, set, set.session.sessionId);
      return sendJson(ctx, 200, sessionJson(world, set, set.session)), true;
    }
    if (m === 'DELETE') {
      delete set.session;
      world.wake();
      return sendEmpty(ctx, 204), true;
    }
  }
  const agent = match('/_apis/distributedtask/pools/0/agents/{id}', route);
  if (agent) {
    const r = world.runners.get(Number(agent.id));
    if (!r || r.scope !== scope) return actionsException(ctx, 404, 'AgentNotFoundException', `Agent ${agent.id} not found.`), true;
    if (m === 'GET') return sendJson(ctx, 200, { id: r.id, name: r.name, status: r.status, busy: r.busy, runnerScaleSetId: r.scaleSetId ?? 0 }), true;
    if (m === 'DELETE') {
      if (r.busy) return actionsException(ctx, 400, 'JobStillRunningException', `Runner ${r.name} is still running a job.`), true;
      world.consumeRunner(r.id, 'deleted');
      return sendEmpty(ctx, 204), true;
    }
  }
  if (route === '/_apis/distributedtask/pools/0/agents' && m === 'GET') return listAgents(world, ctx, scope), true;
  return false;
}

/** The most runners a page of the agents list may hold (`$top`). */
const AGENTS_MAX_PAGE = 1_000;

/**
 * `GET …/agents`: paged in id order, the Azure DevOps way (an assumption: no source shows this list's
 * paging): `$top` runners a page (default `world.agentsPageSize`), and while more follow an `x-ms-continuationtoken` header whose value the
 * next request passes as `continuationToken`.
 */
function listAgents(world: World, ctx: Ctx, scope: string): void {
  const top = ctx.query.$top === undefined ? world.agentsPageSize : Number(ctx.query.$top);
  if (!Number.isInteger(top) || top < 1 || top > AGENTS_MAX_PAGE) return actionsException(ctx, 400, 'ArgumentException', `$top must be an integer from 1 to ${AGENTS_MAX_PAGE}, got '${String(ctx.query.$top)}'`);
  const after = ctx.query.continuationToken === undefined ? 0 : Number(ctx.query.continuationToken);
  if (!Number.isInteger(after) || after < 0) return actionsException(ctx, 400, 'ArgumentException', `continuationToken '${String(ctx.query.continuationToken)}' is not one this server issued`);
  const all = [...world.runners.values()].filter((r) => r.scope === scope && r.id > after && (!ctx.query.agentName || r.name === ctx.query.agentName)).sort((a, b) => a.id - b.id);
  const page = all.slice(0, top);
  const value = page.map((r) => ({ id: r.id, name: r.name, status: r.status, busy: r.busy, runnerScaleSetId: r.scaleSetId ?? 0 }));
  const more: Record<string, string> = all.length > page.length ? { 'x-ms-continuationtoken': String(page.at(-1)!.id) } : {};
  sendJson(ctx, 200, { count: value.length, value }, more);
}

/** The queue token's scale set and session, or undefined after answering 401/404. */
function queueIdentity(world: World, ctx: Ctx): { set: ScaleSetRecord; session: ScaleSetSession } | undefined {
  const rec = ctx.token ? world.tokens.get(ctx.token) : undefined;
  if (!rec || rec.kind !== 'queue-token' || rec.expiresAt <= world.clock.now()) {
    sendText(ctx, 401, 'Unauthorized: the message queue access token is invalid or has expired.');
    return undefined;
  }
  const [setId, sessionId] = rec.subject.split(':');
  const set = world.scaleSets.get(Number(setId));
  if (!set || !set.session || set.session.sessionId !== sessionId) {
    actionsException(ctx, 404, 'TaskAgentSessionExpiredException', `Session ${sessionId ?? ''} was not found.`);
    return undefined;
  }
  if (set.session.queueToken !== ctx.token) {
    sendText(ctx, 401, 'Unauthorized: the message queue access token was rotated.');
    return undefined;
  }
  return { set, session: set.session };
}

function assignUpTo(world: World, set: ScaleSetRecord, capacity: number): void {
  if (world.scaleSetMode !== 'auto') return;
  const jobs = setJobs(world, set);
  const open = jobs.filter((j) => (j.scaleSetState === 'assigned' || j.scaleSetState === 'acquired') && j.state !== 'completed' && j.state !== 'cancelled').length;
  const waiting = jobs.filter((j) => j.scaleSetState === undefined && j.state === 'queued');
  const n = Math.max(0, Math.min(waiting.length, capacity - open));
  if (n === 0) return;
  const picked = waiting.slice(0, n);
  for (const j of picked) j.scaleSetState = 'assigned';
  notePeak(world, set);
  set.log.push({ messageId: world.nextId('msg'), deleted: false, entries: picked.map((j) => entry(world, j, 'JobAssigned', {})) });
}

/** Keeps the high-water mark of jobs held by the scale set at once (assigned or acquired, not concluded). */
function notePeak(world: World, set: ScaleSetRecord): void {
  const held = setJobs(world, set).filter((j) => (j.scaleSetState === 'assigned' || j.scaleSetState === 'acquired') && j.state !== 'completed' && j.state !== 'cancelled').length;
  set.peakAssigned = Math.max(set.peakAssigned ?? 0, held);
}

function nextFor(world: World, set: ScaleSetRecord, capacity: number, after: number): Record<string, unknown> | undefined {
  assignUpTo(world, set, capacity);
  const m = set.log.find((x) => !x.deleted && x.messageId > after);
  if (!m) return undefined;
  if (m.raw) return { messageId: m.messageId, messageType: m.raw.messageType, body: m.raw.body, statistics: statistics(world, set) };
  return { messageId: m.messageId, messageType: 'RunnerScaleSetJobMessages', body: JSON.stringify(m.entries), statistics: statistics(world, set) };
}

async function poll(world: World, ctx: Ctx): Promise<void> {
  const id = queueIdentity(world, ctx);
  if (!id) return;
  const capHeader = ctx.headers['x-scalesetmaxcapacity'];
  const capacity = capHeader === undefined ? 0 : Number(capHeader);
  if (!Number.isInteger(capacity) || capacity < 0) return actionsException(ctx, 400, 'ArgumentException', `X-ScaleSetMaxCapacity must be an integer ≥ 0, got '${String(capHeader)}'`);
  const after = Number(ctx.query.lastMessageId ?? 0) || 0;
  id.session.lastPollAt = world.clock.now();
  const first = nextFor(world, id.set, capacity, after);
  if (first) return sendJson(ctx, 200, first);
  await holdLongPoll(
    world,
    ctx,
    () => {
      if (id.set.session !== id.session) return () => sendEmpty(ctx, 202);
      const m = nextFor(world, id.set, capacity, after);
      return m ? () => sendJson(ctx, 200, m) : undefined;
    },
    () => sendEmpty(ctx, 202),
  );
}

function ack(world: World, ctx: Ctx, messageId: number): void {
  const id = queueIdentity(world, ctx);
  if (!id) return;
  const m = id.set.log.find((x) => x.messageId === messageId && !x.deleted);
  if (!m) return actionsException(ctx, 404, 'TaskAgentMessageNotFoundException', `Message ${messageId} not found.`);
  m.deleted = true;
  sendEmpty(ctx, 204);
}

function acquireJobs(world: World, ctx: Ctx, setId: number): void {
  if (world.scaleSetMode === 'auto') return sendText(ctx, 404, '404 page not found');
  const rec = world.liveToken(ctx.token, 'queue-token');
  const set = world.scaleSets.get(setId);
  if (!rec || !set || !rec.subject.startsWith(`${setId}:`)) return actionsException(ctx, 401, 'InvalidTokenException', 'The queue access token is invalid for this scale set.');
  if (!Array.isArray(ctx.body) || !ctx.body.every((x) => typeof x === 'number')) return actionsException(ctx, 400, 'ArgumentException', 'The body must be a JSON array of runnerRequestIds.');
  const won: number[] = [];
  for (const rid of ctx.body) {
    const job = world.jobs.get(rid);
    if (!job || job.scaleSetId !== setId || job.scaleSetState !== 'available' || job.state !== 'queued') continue;
    job.scaleSetState = 'acquired';
    won.push(rid);
  }
  if (won.length) append(world, set, won.map((rid) => entry(world, world.jobs.get(rid)!, 'JobAssigned', {})));
  notePeak(world, set);
  sendJson(ctx, 200, { count: won.length, value: won });
}
