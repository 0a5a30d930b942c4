// Flags, their environment equivalents and start-up validation.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAllowHosts, helpText, loadConfig, parseDuration, type CliConfig } from '../src/index.js';

const load = (argv: string[], env: NodeJS.ProcessEnv = {}): CliConfig => {
  const c = loadConfig(argv, env);
  if (c === 'help') throw new Error('unexpected help');
  return c;
};

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = load([]);
    expect(c.proxy).toMatchObject({ host: '0.0.0.0', port: 8080, healthHost: '0.0.0.0', healthPort: 8081 });
    expect(c.proxy.policy.allowHosts.map((p) => p.text)).toEqual(defaultAllowHosts);
    expect([...c.proxy.policy.allowPorts]).toEqual([443]);
    expect(c.proxy.policy.allowCidrs).toEqual([]);
    expect(c.proxy.limits).toMatchObject({
      dialTimeoutMs: 10_000,
      idleTimeoutMs: 300_000,
      maxLifetimeMs: 21_600_000,
      headerTimeoutMs: 5_000,
    });
    expect(c.proxy.tls).toBeUndefined();
    expect(c.logLevel).toBe('info');
  });

  it('reads environment variables, and a flag wins over its variable', () => {
    const env = { PROXY_PORT: '9000', PROXY_HEALTH_PORT: '9001', PROXY_ALLOW_HOSTS: 'a.example', PROXY_ALLOW_CIDRS: '10.0.0.0/8', LOG_LEVEL: 'debug', PROXY_IDLE_TIMEOUT: '90s' };
    const c = load(['--port', '0', '--allow-ports', '443, 8443'], env);
    expect(c.proxy.port).toBe(0);
    expect(c.proxy.healthPort).toBe(9001);
    expect(c.proxy.policy.allowHosts.map((p) => p.text)).toEqual(['a.example']);
    expect(c.proxy.policy.allowCidrs.map((x) => x.text)).toEqual(['10.0.0.0/8']);
    expect([...c.proxy.policy.allowPorts]).toEqual([443, 8443]);
    expect(c.logLevel).toBe('debug');
    expect(c.proxy.limits.idleTimeoutMs).toBe(90_000);
  });

  it('reads the TLS files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-tls-'));
    writeFileSync(join(dir, 'c.pem'), 'CERT');
    writeFileSync(join(dir, 'k.pem'), 'KEY');
    const c = load([], { PROXY_TLS_CERT_FILE: join(dir, 'c.pem'), PROXY_TLS_KEY_FILE: join(dir, 'k.pem') });
    expect(c.proxy.tls?.cert.toString()).toBe('CERT');
  });

  it.each([
    [['--allow-cidrs', '10.0.0.0/33'], /--allow-cidrs: invalid CIDR "10\.0\.0\.0\/33"/],
    [['--allow-cidrs', 'banana'], /--allow-cidrs: invalid CIDR "banana"/],
    [['--allow-hosts', 'github.com,*.'], /--allow-hosts: invalid host pattern "\*\."/],
    [['--allow-hosts', '10.0.0.1'], /--allow-hosts: invalid host pattern "10\.0\.0\.1"/],
    [['--allow-hosts', 'gi thub.com'], /--allow-hosts: invalid host pattern/],
    [['--allow-hosts', '*.com'], /a wildcard needs at least two labels/],
    [['--allow-ports', '443,70000'], /--allow-ports: invalid value "70000"/],
    [['--port', 'eighty'], /--port: invalid value "eighty"/],
    [['--health-port', '-1'], /--health-port/],
    [['--dial-timeout', '10 parsecs'], /--dial-timeout: invalid duration/],
    [['--idle-timeout', '0s'], /--idle-timeout: must be greater than 0/],
    [['--max-tunnels', '0'], /--max-tunnels/],
    [['--log-level', 'trace'], /--log-level/],
    [['--tls-cert', '/nonexistent'], /--tls-cert and --tls-key must be given together/],
    [['--tls-cert', '/nonexistent/c', '--tls-key', '/nonexistent/k'], /--tls-cert: cannot read "\/nonexistent\/c": ENOENT/],
    [['--nope'], /Unknown option '--nope'/],
  ])('rejects %j with a message naming it', (argv, message) => {
    expect(() => loadConfig(argv, {})).toThrow(message);
  });

  it('answers --help with every flag and its variable', () => {
    expect(loadConfig(['--help'], {})).toBe('help');
    const text = helpText();
    for (const needle of ['--port', 'PROXY_PORT', '--allow-cidrs', 'PROXY_ALLOW_CIDRS', '--drain-grace', 'LOG_LEVEL', 'ready <host:port>']) {
      expect(text).toContain(needle);
    }
  });

  it('parses durations', () => {
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseDuration('10s', 'x')).toBe(10_000);
    expect(parseDuration('5m', 'x')).toBe(300_000);
    expect(parseDuration('6h', 'x')).toBe(21_600_000);
    expect(parseDuration('1.5', 'x')).toBe(1_500);
  });
});
