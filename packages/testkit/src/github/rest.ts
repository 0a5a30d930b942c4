// The REST API (U1): App JWT → installation token, registration token, JIT config, runners, runs, meta.
import { decodeJwt, verifyRs256 } from './crypto.js';
import { match, num, restError, sendEmpty, sendJson, str, field, type Ctx } from './http.js';
import { createJitRunner, runnerJson } from './jit.js';
import type { AppRecord } from './state.js';
import type { World } from './world.js';

const SKEW_S = 60;

/** Verifies an App JWT (RS256, iss = appId or clientId, exp − iat ≤ 10 min, skew tolerated); returns the app or an error text. */
export function verifyAppJwt(world: World, token: string | undefined): AppRecord | string {
  const jwt = token ? decodeJwt(token) : undefined;
  if (!jwt) return 'A JSON web token could not be decoded';
  const iss = jwt.claims.iss;
  const app = [...world.apps.values()].find((a) => String(iss) === String(a.appId) || iss === a.clientId);
  if (!app) return "'Issuer' claim ('iss') must be an Integer or a Client ID";
  if (!verifyRs256(jwt, app.publicKey)) return 'A JSON web token could not be decoded';
  const now = world.clock.now() / 1000;
  const iat = jwt.claims.iat;
  const exp = jwt.claims.exp;
  if (typeof iat !== 'number' || typeof exp !== 'number') return "'Expiration time' claim ('exp') and 'Issued at' claim ('iat') are required";
  if (iat > now + SKEW_S) return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
  if (exp - iat > 600 || exp > now + 600 + SKEW_S) return "'Expiration time' claim ('exp') is too far in the future";
  if (exp <= now - SKEW_S) return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  return app;
}

/** The installation behind a live installation token, or a 401 already sent. */
function requireInstallation(world: World, ctx: Ctx): AppRecord | undefined {
  const rec = world.liveToken(ctx.token, 'installation-token');
  const app = rec ? world.apps.get(Number(rec.subject)) : undefined;
  if (!app) {
    restError(ctx, 401, 'Bad credentials');
    return undefined;
  }
  return app;
}

function scopeOf(path: string): { scope: string; owner: string; rest: string } | undefined {
  const org = /^\/orgs\/([^/]+)(\/.*)$/.exec(path);
  if (org) return { scope: `orgs/${org[1]}`, owner: org[1]!, rest: org[2]! };
  const repo = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path);
  if (repo) return { scope: `repos/${repo[1]}/${repo[2]}`, owner: repo[1]!, rest: repo[3]! };
  return undefined;
}

export function handleRest(world: World, ctx: Ctx): boolean {
  const { method, path } = ctx;
  if (method === 'GET' && path === '/meta') {
    sendJson(ctx, 200, { verifiable_password_authentication: false, ...world.meta });
    return true;
  }
  const inst = match('/app/installations/{id}/access_tokens', path);
  if (inst && method === 'POST') {
    const app = verifyAppJwt(world, ctx.token);
    if (typeof app === 'string') return restError(ctx, 401, app), true;
    if (Number(inst.id) !== app.installationId) return restError(ctx, 404, 'Not Found'), true;
    const tok = world.mintToken('installation-token', String(app.appId), world.timings.installationTokenTtlMs, 'ghs_');
    sendJson(ctx, 201, {
      token: tok.token, expires_at: new Date(tok.expiresAt).toISOString(),
      permissions: { actions: 'write', organization_self_hosted_runners: 'write', administration: 'write' },
      repository_selection: 'all',
    });
    return true;
  }
  const sc = scopeOf(path);
  if (!sc) return false;
  const known = sc.scope.startsWith('orgs/') ? world.orgs.has(sc.owner) : world.repos.has(sc.scope.slice(6)) || world.orgs.has(sc.owner);
  const routes: [string, string, (p: Record<string, string>, app: AppRecord) => void][] = [
    ['POST', '/actions/runners/registration-token', () => {
      const t = world.mintToken('registration-token', sc.scope, world.timings.registrationTokenTtlMs, 'AREG');
      sendJson(ctx, 201, { token: t.token, expires_at: new Date(t.expiresAt).toISOString() });
    }],
    ['POST', '/actions/runners/generate-jitconfig', () => generateJit(world, ctx, sc)],
    ['GET', '/actions/runners', () => {
      const name = ctx.query.name;
      const list = [...world.runners.values()].filter((r) => r.scope === sc.scope && (!name || r.name === name));
      const perPage = Math.min(100, Number(ctx.query.per_page ?? 30) || 30);
      const page = Math.max(1, Number(ctx.query.page ?? 1) || 1);
      sendJson(ctx, 200, { total_count: list.length, runners: list.slice((page - 1) * perPage, page * perPage).map(runnerJson) });
    }],
    ['GET', '/actions/runners/{id}', (p) => {
      const r = world.runners.get(Number(p.id));
      if (!r || r.scope !== sc.scope) return restError(ctx, 404, 'Not Found');
      sendJson(ctx, 200, runnerJson(r));
    }],
    ['DELETE', '/actions/runners/{id}', (p) => {
      const r = world.runners.get(Number(p.id));
      if (!r || r.scope !== sc.scope) return restError(ctx, 404, 'Not Found');
      if (r.busy) return restError(ctx, 422, `Bad request - Runner "${r.name}" is still running a job"`);
      world.consumeRunner(r.id, 'deleted');
      sendEmpty(ctx, 204);
    }],
    ['GET', '/actions/runs/{id}', (p) => {
      const run = world.runs.get(Number(p.id));
      if (!run || `repos/${run.repo}` !== sc.scope) return restError(ctx, 404, 'Not Found');
      sendJson(ctx, 200, { id: run.runId, name: run.workflow, status: run.status, conclusion: run.conclusion, run_attempt: run.attempts, path: `.github/workflows/${run.workflow}` });
    }],
    ['POST', '/actions/runs/{id}/rerun-failed-jobs', (p) => {
      const run = world.runs.get(Number(p.id));
      if (!run || `repos/${run.repo}` !== sc.scope) return restError(ctx, 404, 'Not Found');
      if (run.status !== 'completed') return restError(ctx, 403, 'This workflow is already running');
      if (run.attempts >= 50) return restError(ctx, 403, 'This workflow run has reached the maximum number of attempts (50)');
      world.rerunFailed(run);
      sendEmpty(ctx, 201);
    }],
    ['POST', '/actions/runs/{id}/cancel', (p) => {
      const run = world.runs.get(Number(p.id));
      if (!run || `repos/${run.repo}` !== sc.scope) return restError(ctx, 404, 'Not Found');
      if (run.status === 'completed') return restError(ctx, 409, 'Cannot cancel a workflow run that is completed.');
      world.cancelRun(run.runId);
      sendJson(ctx, 202, {});
    }],
  ];
  for (const [m, pattern, fn] of routes) {
    const p = match(pattern, sc.rest);
    if (!p) continue;
    if (m !== method) continue;
    const app = requireInstallation(world, ctx);
    if (!app) return true;
    if (!known || app.org !== sc.owner) return restError(ctx, 404, 'Not Found'), true;
    fn(p, app);
    return true;
  }
  return false;
}

function generateJit(world: World, ctx: Ctx, sc: { scope: string; owner: string }): void {
  if (ctx.bodyError) return restError(ctx, 400, 'Problems parsing JSON');
  const name = str(ctx.body, 'name');
  const groupId = num(ctx.body, 'runner_group_id');
  const labels = field(ctx.body, 'labels') ?? ['self-hosted'];
  if (!name) return restError(ctx, 422, 'Invalid request.\n\n"name" wasn\'t supplied.');
  if (groupId === undefined) return restError(ctx, 422, 'Invalid request.\n\n"runner_group_id" wasn\'t supplied.');
  if (!Array.isArray(labels) || labels.length < 1 || labels.length > 100 || !labels.every((l) => typeof l === 'string')) {
    return restError(ctx, 422, 'Invalid request.\n\nFor \'properties/labels\', must be an array of 1 to 100 strings.');
  }
  if (groupId === 0) return restError(ctx, 403, 'Runner group is not accessible (hosted runner group).');
  if (groupId !== 1 && groupId > 1000) return restError(ctx, 404, 'Runner group not found');
  if ([...world.runners.values()].some((r) => r.scope === sc.scope && r.name === name)) return restError(ctx, 409, 'Already exists - A runner with the same name already exists.');
  const { runner, encoded } = createJitRunner(world, {
    name, scope: sc.scope, owner: sc.owner, groupId, labels: labels,
    ...(str(ctx.body, 'work_folder') ? { workFolder: str(ctx.body, 'work_folder')! } : {}),
  });
  sendJson(ctx, 201, { runner: runnerJson(runner), encoded_jit_config: encoded });
}
