// Shared set-up: a fake on a manual clock, an App, an installation token and a registered JIT runner.
import { ManualClock, startFakeGitHub, type CreatedApp, type FakeGitHub, type FakeGitHubOptions } from '../../src/index.js';
import { appJwt, call, decodeJit, json, oauthToken, type JitFiles } from './runner-support.js';

export interface World {
  fake: FakeGitHub;
  clock: ManualClock;
  app: CreatedApp;
  inst: string;
}

export async function world(opts: FakeGitHubOptions = {}): Promise<World> {
  const clock = new ManualClock();
  const fake = await startFakeGitHub({ clock, profile: 'fast', ...opts });
  const app = fake.control.createApp({ org: 'acme' });
  fake.control.addRepo('acme/app');
  const res = await call('POST', `${fake.apiUrl}/app/installations/${app.installationId}/access_tokens`, appJwt(app, clock.now()));
  const { token } = await json<{ token: string }>(res);
  return { fake, clock, app, inst: token };
}

export interface Runner {
  jit: JitFiles;
  id: number;
  token: string;
  broker: string;
  sessionId: string;
  session: Record<string, unknown>;
}

export async function registerRunner(w: World, name: string, labels = ['self-hosted', 'linux'], scope = 'orgs/acme'): Promise<{ jit: JitFiles; id: number }> {
  const res = await call('POST', `${w.fake.apiUrl}/${scope}/actions/runners/generate-jitconfig`, w.inst, { name, runner_group_id: 1, labels });
  if (res.status !== 201) throw new Error(`generate-jitconfig ${res.status}: ${await res.text()}`);
  const body = await json<{ runner: { id: number }; encoded_jit_config: string }>(res);
  return { jit: decodeJit(body.encoded_jit_config), id: body.runner.id };
}

export async function connect(w: World, name: string, labels?: string[], scope?: string): Promise<Runner> {
  const { jit, id } = await registerRunner(w, name, labels, scope);
  return open(w, jit, id, name);
}

export async function connectWith(w: World, encoded: string, id: number, name: string): Promise<Runner> {
  return open(w, decodeJit(encoded), id, name);
}

async function open(w: World, jit: JitFiles, id: number, name: string): Promise<Runner> {
  const tok = await json<{ access_token: string }>(await oauthToken(jit, w.clock.now()));
  const broker = String(jit.runner.serverUrlV2);
  const res = await call('POST', `${broker}session`, tok.access_token, {
    sessionId: '00000000-0000-0000-0000-000000000000', ownerName: `${name} (PID: 1)`,
    agent: { id, name, version: '2.330.0', osDescription: 'Linux' }, useFipsEncryption: false,
  });
  if (res.status !== 200) throw new Error(`session ${res.status}: ${await res.text()}`);
  const session = await json(res);
  return { jit, id, token: tok.access_token, broker, sessionId: String(session.sessionId), session };
}

export function poll(r: Runner, status = 'Online'): Promise<Response> {
  return call('GET', `${r.broker}message?sessionId=${r.sessionId}&status=${status}&runnerVersion=2.330.0&os=Linux&architecture=X64&disableUpdate=true`, r.token);
}
