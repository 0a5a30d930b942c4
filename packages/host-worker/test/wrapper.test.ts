// The real worker-wrapper process, end to end over real files and a real child process.
import { readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeJitConfig,
  isAlive,
  jobPayload,
  makeWorkspace,
  runnerFiles,
  secrets,
  startWrapper,
  type Workspace,
  type WrapperRun,
} from './support.js';

const workspaces: Workspace[] = [];
const stage = (...args: Parameters<typeof makeWorkspace>): Workspace => {
  const ws = makeWorkspace(...args);
  workspaces.push(ws);
  return ws;
};
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

const fullJob = (fakeWorker: Record<string, unknown> = {}) => ({
  payload: jobPayload(fakeWorker),
  planId: 'plan-123\n',
  jitconfig: encodeJitConfig(runnerFiles),
});

/** Every log line is the shared shape, and none carries a secret of the staged job. */
function expectCleanLogs(run: WrapperRun): Array<Record<string, unknown>> {
  const logs = run.logs();
  for (const line of logs) {
    expect(line).toMatchObject({ component: 'worker-wrapper' });
    expect(['debug', 'info', 'warn', 'error', 'fatal']).toContain(line.level);
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
    expect(typeof line.msg).toBe('string');
  }
  const text = run.stderr.join('\n');
  for (const secret of [...Object.values(secrets), encodeJitConfig(runnerFiles).slice(0, 40)]) {
    expect(text).not.toContain(secret);
  }
  return logs;
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('worker-wrapper', () => {
  it('writes the runner files, sends the framed job on fd 3 and exits with the worker’s code', async () => {
    const ws = stage(fullJob({ exitCode: 0 }));
    const run = startWrapper(ws, { LOG_LEVEL: 'debug' });
    expect(await run.exit).toEqual({ code: 0, signal: null });

    const report = ws.report();
    expect(report.framingErrors).toEqual([]);
    expect(report.argv).toEqual(['spawnclient', '3', '4']);
    expect(report.type).toBe(1);
    expect(report.declaredLength).toBe(Buffer.byteLength(jobPayload({ exitCode: 0 }), 'utf16le'));
    expect(report.payload).toBe(jobPayload({ exitCode: 0 }));

    expect(mode(ws.runnerHome)).toBe(0o700);
    for (const [name, content] of Object.entries(runnerFiles)) {
      expect(readFileSync(join(ws.runnerHome, name), 'utf8')).toBe(content);
      expect(mode(join(ws.runnerHome, name)), name).toBe(0o600);
    }

    // The child's env carries paths only: nothing of the payload or the JIT config.
    const childEnv = JSON.stringify(report.env);
    for (const secret of Object.values(secrets)) expect(childEnv).not.toContain(secret);
    expect(report.env.PAYLOAD_SECRET_PATH).toBe(ws.payloadDir);

    const logs = expectCleanLogs(run);
    expect(logs.find((l) => l.msg === 'staged job read')).toMatchObject({ planId: 'plan-123', level: 'info' });
    const debug = logs.find((l) => l.level === 'debug');
    expect(debug).toMatchObject({ msg: 'runner worker environment', runnerHome: ws.runnerHome });
    expect(debug?.envNames).toContain('PAYLOAD_SECRET_PATH');
    expect(logs.at(-1)).toMatchObject({ msg: 'runner worker exited', exitCode: 0, signal: null });
  });

  it('maps the worker’s exit code and death by signal to its own exit code', async () => {
    const cases = [
      { script: { exitCode: 3 }, code: 3 },
      { script: { signalSelf: 'SIGUSR2' }, code: 128 + 12 },
      { script: { exitCode: 100 }, code: 0, result: 'Succeeded' },
      { script: { exitCode: 101 }, code: 0, result: 'SucceededWithIssues' },
      { script: { exitCode: 102 }, code: 102, result: 'Failed' },
    ];
    const runs = cases.map((c) => startWrapper(stage(fullJob(c.script))));
    const exits = await Promise.all(runs.map((r) => r.exit));
    expect(exits.map((e) => e.code)).toEqual(cases.map((c) => c.code));
    const last = runs.map((r) => r.logs().at(-1));
    expect(last[2]).toMatchObject({ exitCode: 0, workerExitCode: 100, result: 'Succeeded' });
    expect(last[4]).toMatchObject({ exitCode: 102, workerExitCode: 102, result: 'Failed' });
    expect(last[1]).toMatchObject({ exitCode: 140, workerExitCode: null, signal: 'SIGUSR2' });
  });

  it('relays SIGTERM and exits with the worker’s code when it stops within the grace period', async () => {
    const ws = stage(fullJob({ sleepMs: 60_000, onSigterm: { exitCode: 0, delayMs: 100 } }));
    const run = startWrapper(ws, { WORKER_GRACE_SECONDS: '20' });
    const [, pid] = await run.waitForStdout(/fake-runner-worker ready pid=(\d+)/);
    run.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    // The shutdown message Runner.Listener would send (OperatingSystemShutdown), then the signal.
    expect(run.stdout).toContain('fake-runner-worker got message 4');
    expect(run.stdout).toContain('fake-runner-worker got SIGTERM');
    expect(isAlive(Number(pid))).toBe(false);
    const logs = expectCleanLogs(run);
    expect(logs.find((l) => l.msg === 'relaying signal to the runner worker')).toMatchObject({ signal: 'SIGTERM', graceSeconds: 20 });
    expect(logs.at(-1)).toMatchObject({ msg: 'runner worker exited', exitCode: 0 });
  });

  it('relays SIGINT too, and reports 128+15 when the worker dies of the relayed SIGTERM', async () => {
    const handled = stage(fullJob({ sleepMs: 60_000, onSigterm: { exitCode: 5 } }));
    const plain = stage(fullJob({ sleepMs: 60_000 }));
    const first = startWrapper(handled);
    const second = startWrapper(plain);
    await Promise.all([first.waitForStdout(/ready/), second.waitForStdout(/ready/)]);
    first.kill('SIGINT');
    second.kill('SIGTERM');
    expect(await first.exit).toEqual({ code: 5, signal: null });
    expect(first.stdout).toContain('fake-runner-worker got message 3'); // RunnerShutdown
    expect(first.stdout).toContain('fake-runner-worker got SIGINT');
    expect(await second.exit).toEqual({ code: 143, signal: null });
  });

  it('SIGKILLs a worker that ignores SIGTERM once the grace period is over', async () => {
    const ws = stage(fullJob({ sleepMs: 60_000, onSigterm: 'ignore' }));
    const run = startWrapper(ws, { WORKER_GRACE_SECONDS: '0.5' });
    const [, pid] = await run.waitForStdout(/fake-runner-worker ready pid=(\d+)/);
    run.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 137, signal: null });
    expect(run.stdout).toContain('fake-runner-worker got SIGTERM');
    expect(isAlive(Number(pid))).toBe(false);
    const logs = expectCleanLogs(run);
    expect(logs.map((l) => l.msg)).toContain('runner worker still running after the grace period; sending SIGKILL');
    expect(logs.at(-1)).toMatchObject({ level: 'error', msg: 'runner worker killed after the grace period', exitCode: 137 });
  });

  it('builds the CA bundle and passes only its paths to the worker', async () => {
    const ws = stage(fullJob());
    const caPath = join(ws.dir, 'tls.crt');
    const ca = '-----BEGIN CERTIFICATE-----\nMIIBproxyCA\n-----END CERTIFICATE-----';
    writeFileSync(caPath, ca);
    const run = startWrapper(ws, { PROXY_CA_CERT_PATH: caPath });
    expect(await run.exit).toEqual({ code: 0, signal: null });
    const bundle = join(ws.runnerHome, 'proxy-ca-bundle.crt');
    const report = ws.report();
    expect(report.env.SSL_CERT_FILE).toBe(bundle);
    expect(report.env.NODE_EXTRA_CA_CERTS).toBe(caPath);
    const text = readFileSync(bundle, 'utf8');
    expect(text.endsWith(`${ca}\n`)).toBe(true);
    if (existsSync('/etc/ssl/certs/ca-certificates.crt')) {
      expect(text.startsWith(readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8'))).toBe(true);
    }
    expect(mode(bundle)).toBe(0o644);
    expectCleanLogs(run);
  });

  describe('bad input', () => {
    const failure = async (ws: Workspace, env: Record<string, string> = {}) => {
      const run = startWrapper(ws, env);
      expect(await run.exit).toEqual({ code: 1, signal: null });
      expect(existsSync(ws.reportPath), 'the runner worker must not have started').toBe(false);
      const logs = expectCleanLogs(run);
      return logs.filter((l) => l.level === 'error').map((l) => String(l.msg));
    };

    it('exits 1 naming the file when the payload is missing, empty or over the runner’s message limit', async () => {
      const missing = stage({ jitconfig: encodeJitConfig(runnerFiles) });
      expect(await failure(missing)).toEqual([`job payload ${join(missing.payloadDir, 'payload')} is missing`]);
      const empty = stage({ payload: ' \n', jitconfig: encodeJitConfig(runnerFiles) });
      expect(await failure(empty)).toEqual([`job payload ${join(empty.payloadDir, 'payload')} is empty`]);
      const huge = stage({ payload: 'x'.repeat(25_000_001), jitconfig: encodeJitConfig(runnerFiles) });
      expect(await failure(huge)).toEqual([
        `job payload ${join(huge.payloadDir, 'payload')} is 50000002 bytes as UTF-16, over the runner worker's 50000000-byte message limit`,
      ]);
    });

    it('exits 1 naming the file when the jitconfig does not decode, without logging it', async () => {
      const notBase64 = stage({ payload: jobPayload(), jitconfig: `${secrets.credential}!!` });
      expect(await failure(notBase64)).toEqual([`${join(notBase64.payloadDir, 'jitconfig')} is not valid base64`]);
      const notJson = stage({ payload: jobPayload(), jitconfig: Buffer.from(`{${secrets.credential}`).toString('base64') });
      expect((await failure(notJson))[0]).toMatch(/jitconfig does not decode to JSON/);
      const badEntry = stage({
        payload: jobPayload(),
        jitconfig: Buffer.from(JSON.stringify({ '.credentials': 42 })).toString('base64'),
      });
      expect((await failure(badEntry))[0]).toMatch(/jitconfig: entry "\.credentials" is not a base64 string/);
      expect(existsSync(join(badEntry.runnerHome, '.credentials'))).toBe(false);
    });

    it('exits 1 naming the variable when the runner worker cannot be started', async () => {
      const ws = stage(fullJob());
      const messages = await failure(ws, { RUNNER_WORKER_PATH: join(ws.dir, 'no-such-worker') });
      expect(messages).toEqual([`cannot start runner worker "${join(ws.dir, 'no-such-worker')}" (RUNNER_WORKER_PATH): ENOENT`]);
    });

    it('exits 1 when PROXY_CA_CERT_PATH holds no certificate', async () => {
      const ws = stage(fullJob());
      const caPath = join(ws.dir, 'tls.crt');
      writeFileSync(caPath, 'not a certificate');
      expect(await failure(ws, { PROXY_CA_CERT_PATH: caPath })).toEqual([`PROXY_CA_CERT_PATH ${caPath} holds no PEM certificate`]);
    });

    it('warns and carries on for a missing jitconfig, unknown entries, a missing CA file and bad tuning values', async () => {
      const noJit = stage({ payload: jobPayload({ exitCode: 4 }) });
      const run = startWrapper(noJit, {
        PROXY_CA_CERT_PATH: join(noJit.dir, 'absent.crt'),
        LOG_LEVEL: 'verbose',
        WORKER_GRACE_SECONDS: 'soon',
      });
      expect(await run.exit).toEqual({ code: 4, signal: null });
      const warnings = expectCleanLogs(run)
        .filter((l) => l.level === 'warn')
        .map((l) => String(l.msg));
      expect(run.logs().filter((l) => l.level === 'debug')).toEqual([]);
      expect(warnings).toEqual([
        'LOG_LEVEL="verbose" is not one of info, debug; using info',
        'WORKER_GRACE_SECONDS="soon" is not a non-negative number of seconds; using 25',
        'no jitconfig staged; runner files not written',
        'proxy CA file missing or empty; not trusted',
      ]);
      expect(existsSync(noJit.runnerHome)).toBe(false);

      const extra = stage({ payload: jobPayload(), jitconfig: encodeJitConfig({ ...runnerFiles, '../escape': 'x', '.env': 'y' }) });
      const second = startWrapper(extra);
      expect(await second.exit).toEqual({ code: 0, signal: null });
      expect(expectCleanLogs(second).find((l) => l.level === 'warn')).toMatchObject({ names: ['../escape', '.env'] });
      expect(existsSync(join(extra.dir, 'home', 'escape'))).toBe(false);
      expect(existsSync(join(extra.runnerHome, '.env'))).toBe(false);
    });
  });
});
