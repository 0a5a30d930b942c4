import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseGmcConfig, type GmcConfig } from '../../src/index.js';

const digest = `@sha256:${'a'.repeat(64)}`;
const env = { AGC_IMAGE: `ghcr.io/x/agc${digest}`, PROXY_IMAGE: `ghcr.io/x/proxy${digest}`, POD_NAMESPACE: 'gmc-system' };
const cfg = (argv: string[], e: Record<string, string> = env): GmcConfig => parseGmcConfig(argv, e) as GmcConfig;

describe('gmc flags', () => {
  it('has controller-runtime defaults', () => {
    const c = cfg([]);
    expect(c.metrics).toEqual({ host: undefined, port: 8080 });
    expect(c.health).toEqual({ host: undefined, port: 8081 });
    expect(c.webhook).toEqual({ host: undefined, port: 9443 });
    expect(c.leaderElect).toBe(false);
    expect(c.leaderElection).toEqual({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect(c.log).toEqual({ level: 'info', encoder: 'json' });
    expect(c.gitHubApiUrl).toBe('https://api.github.com');
    expect(c.allowedPriorityClasses).toEqual([]);
  });

  it('parses the allowlist, zap flags and disabled servers', () => {
    const c = cfg(['--allowed-priority-classes', ' ci-high, ,ci-low ', '--zap-devel', '--metrics-bind-address=0', '--leader-elect']);
    expect(c.allowedPriorityClasses).toEqual(['ci-high', 'ci-low']);
    expect(c.log).toEqual({ level: 'debug', encoder: 'console' });
    expect(c.metrics).toBeUndefined();
    expect(c.leaderElect).toBe(true);
  });

  it('rejects bad timings, images and addresses with one clear line', () => {
    expect(() => cfg(['--leader-elect-renew-deadline', '20s'])).toThrow('lease duration (15000ms) must be greater than renew deadline (20000ms)');
    expect(() => cfg(['--leader-elect-retry-period', '9s'])).toThrow(/1\.2 × retry period/);
    expect(() => cfg([], { PROXY_IMAGE: env.PROXY_IMAGE })).toThrow('AGC_IMAGE must be set');
    expect(() => cfg([], { ...env, AGC_IMAGE: 'agc:latest' })).toThrow(/AGC_IMAGE: "agc:latest" must end in @sha256/);
    expect(cfg(['--allow-floating-image-tags'], { ...env, AGC_IMAGE: 'agc:latest' }).agcImage).toBe('agc:latest');
    expect(cfg([], env).workerImage).toBeUndefined();
    expect(cfg([], { ...env, WORKER_IMAGE: `ghcr.io/x/worker${digest}` }).workerImage).toBe(`ghcr.io/x/worker${digest}`);
    expect(() => cfg([], { ...env, WORKER_IMAGE: 'worker:latest' })).toThrow(/WORKER_IMAGE: "worker:latest" must end in @sha256/);
    expect(() => cfg(['--health-probe-bind-address', 'nope'])).toThrow(/--health-probe-bind-address/);
    expect(() => cfg(['--zap-encoder', 'yaml'])).toThrow(/--zap-encoder/);
  });

  it('the bin prints --help and exits 0, and exits 2 with one line on a bad flag', async () => {
    const run = promisify(execFile);
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const bin = ['--conditions=source', '--import', 'tsx', 'packages/host-operator/src/gmc.ts'];
    const help = await run('node', [...bin, '--help'], { cwd: root, env: { ...process.env, ...env } });
    for (const flag of ['--metrics-bind-address', '--health-probe-bind-address', '--leader-elect', '--zap-devel', '--zap-encoder', '--zap-log-level', '--allow-agc-extra-env', '--allowed-priority-classes', '--webhook-bind-address']) {
      expect(help.stdout).toContain(flag);
    }
    const bad = await run('node', [...bin, '--bogus'], { cwd: root, env: { ...process.env, ...env } }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in bad && bad.code).toBe(2);
    expect((bad as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000); // two child processes compiling TypeScript at start-up: slow on a busy 2-core box
});
