// The agc's flags, env and App credential files: defaults, derived values, and one-line errors that name
// the flag or variable (and never echo a secret).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAppCredentials } from '../../../src/agc/config/credentials.js';
import { parseAgcConfig, type AgcConfig } from '../../../src/agc/config/flags.js';

const env = { POD_NAMESPACE: 'team-a', GITHUB_ORG_URL: 'https://github.com/acme' };
const parse = (argv: string[] = [], e: Record<string, string | undefined> = env): AgcConfig => {
  const c = parseAgcConfig(argv, e);
  if ('help' in c) throw new Error('help');
  return c;
};

describe('parseAgcConfig', () => {
  it('applies the contract defaults', () => {
    const c = parse();
    expect(c.metrics).toEqual({ host: undefined, port: 8080 });
    expect(c.health).toEqual({ host: undefined, port: 8081 });
    expect(c.githubAppDir).toBe('/etc/actions-gateway/github-app');
    expect(c.proxyCaFile).toBe('/etc/actions-gateway/proxy-ca/tls.crt');
    expect(c.log).toEqual({ level: 'info', encoder: 'json' });
    expect(c.namespace).toBe('team-a');
    expect(c.github.apiBaseUrl).toBe('https://api.github.com');
    expect(c.securityProfile).toBe('baseline');
    expect(c.runnerVersion).toBe('2.335.1');
    expect(c.runnerGroupId).toBe(1);
    expect(c.registrationConcurrency).toBe(8);
    expect(c.proxy).toEqual({ httpProxy: undefined, httpsProxy: undefined, noProxy: undefined });
  });

  it('reads the GMC-set env and the flags', () => {
    const c = parse(['--metrics-bind-address=127.0.0.1:9090', '--health-probe-bind-address', '0', '--zap-devel', '--github-app-dir', '/x', '--proxy-ca-file=/y/ca.crt', '--kubeconfig', '/k'], {
      ...env,
      GITHUB_ORG_URL: 'https://ghes.example.com/acme',
      HTTP_PROXY: 'https://actions-gateway-proxy.team-a.svc.cluster.local:8080',
      HTTPS_PROXY: 'https://actions-gateway-proxy.team-a.svc.cluster.local:8080',
      NO_PROXY: '10.0.0.0/8,svc.cluster.local,localhost,127.0.0.1,10.96.0.0/12',
      WORKER_SERVICE_ACCOUNT: 'actions-gateway-worker',
      PROXY_TLS_SECRET_NAME: 'actions-gateway-proxy-tls',
      SECURITY_PROFILE: 'restricted',
      GITHUB_RUNNER_VERSION: '2.336.0',
      WORKER_IMAGE: 'ghcr.io/acme/runner:1',
      GITHUB_RUNNER_GROUP_ID: '7',
    });
    expect(c.metrics).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(c.health).toBeUndefined();
    expect(c.log).toEqual({ level: 'debug', encoder: 'console' });
    expect(c.githubAppDir).toBe('/x');
    expect(c.proxyCaFile).toBe('/y/ca.crt');
    expect(c.kubeconfig).toBe('/k');
    expect(parse(['--registration-concurrency', '32']).registrationConcurrency).toBe(32);
    expect(parse(['--registration-concurrency=256']).registrationConcurrency).toBe(256);
    expect(c.github.apiBaseUrl).toBe('https://ghes.example.com/api/v3');
    expect(c.proxy.httpsProxy).toBe('https://actions-gateway-proxy.team-a.svc.cluster.local:8080');
    expect(c.proxy.noProxy).toContain('svc.cluster.local');
    expect(c).toMatchObject({ workerServiceAccount: 'actions-gateway-worker', proxyTlsSecretName: 'actions-gateway-proxy-tls', securityProfile: 'restricted', runnerVersion: '2.336.0', workerImage: 'ghcr.io/acme/runner:1', runnerGroupId: 7 });
  });

  it('takes GITHUB_API_BASE_URL over the derived base', () => {
    expect(parse([], { ...env, GITHUB_API_BASE_URL: 'http://127.0.0.1:9999' }).github.apiBaseUrl).toBe('http://127.0.0.1:9999');
  });

  it('prints help', () => {
    const c = parseAgcConfig(['--help'], {});
    expect('help' in c && c.help).toMatch(/--github-app-dir string[\s\S]*--proxy-ca-file string[\s\S]*--zap-log-level/);
  });

  it.each([
    [[], { GITHUB_ORG_URL: 'https://github.com/acme' }, /^POD_NAMESPACE must be set/],
    [[], { POD_NAMESPACE: 'team-a' }, /^GITHUB_ORG_URL must be set/],
    [[], { ...env, GITHUB_ORG_URL: 'ftp://github.com/acme' }, /^GITHUB_ORG_URL: .*https/],
    [[], { ...env, GITHUB_ORG_URL: 'https://github.com/' }, /^GITHUB_ORG_URL: /],
    [[], { ...env, GITHUB_API_BASE_URL: 'not a url' }, /^GITHUB_API_BASE_URL: /],
    [[], { ...env, SECURITY_PROFILE: 'lax' }, /^SECURITY_PROFILE: "lax" is not one of privileged, baseline, restricted$/],
    [[], { ...env, GITHUB_RUNNER_GROUP_ID: '0' }, /^GITHUB_RUNNER_GROUP_ID: /],
    [[], { ...env, GITHUB_RUNNER_VERSION: 'latest' }, /^GITHUB_RUNNER_VERSION: /],
    [[], { ...env, HTTPS_PROXY: 'proxy:8080' }, /^HTTPS_PROXY: /],
    [['--metrics-bind-address', 'eight'], env, /^--metrics-bind-address: /],
    [['--zap-encoder', 'xml'], env, /^--zap-encoder: /],
    [['--github-app-dir', ' '], env, /^--github-app-dir: /],
    [['--registration-concurrency', '0'], env, /^--registration-concurrency: "0" is not a whole number from 1 to 256$/],
    [['--registration-concurrency', '257'], env, /^--registration-concurrency: "257" is not/],
    [['--registration-concurrency', '2.5'], env, /^--registration-concurrency: "2.5" is not/],
    [['--registration-concurrency', 'many'], env, /^--registration-concurrency: "many" is not/],
    [['--registration-concurrency='], env, /^--registration-concurrency: "" is not/],
    [['--worker-image', 'x'], env, /^agc: Unknown option '--worker-image'/],
  ] as const)('refuses %j with %j in one line naming it', (argv, e, message) => {
    let err: Error | undefined;
    try {
      parseAgcConfig(argv, e);
    } catch (caught) {
      err = caught as Error;
    }
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain('\n');
  });
});

describe('readAppCredentials', () => {
  const dir = (files: Record<string, string>): string => {
    const d = mkdtempSync(join(tmpdir(), 'agc-app-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
    return d;
  };
  const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEsecret\n-----END RSA PRIVATE KEY-----\n';

  it('reads and trims the three files', async () => {
    expect(await readAppCredentials(dir({ appId: ' 123\n', installationId: '456\n', privateKey: `\n${key}\n` }))).toEqual({ appId: '123', installationId: 456, privateKey: key.trim() });
  });

  it.each([
    [{ installationId: '1', privateKey: key }, /appId \(ENOENT\)/],
    [{ appId: '1', installationId: 'x', privateKey: key }, /installationId is not a positive integer/],
    [{ appId: '1', installationId: '1', privateKey: 'MIIEsecret' }, /privateKey is not a PEM private key/],
    [{ appId: '\n', installationId: '1', privateKey: key }, /appId is empty/],
  ])('refuses bad files by name without echoing them (%#)', async (files, message) => {
    const err = await readAppCredentials(dir(files)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^--github-app-dir: /);
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain('MIIEsecret');
  });
});
