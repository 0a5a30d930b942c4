// Flags and their environment equivalents, validated at start into an EgressProxyConfig. A flag wins over
// its variable. Every error names the flag and the bad value in one line.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultLimits, type ProxyLimits } from './limits.js';
import { defaultAllowHosts, defaultAllowPorts } from './defaults.js';
import { parseHostPattern } from './policy/hosts.js';
import { parseCidr } from './policy/ranges.js';
import type { EgressProxyConfig } from './server.js';
import type { LogLevel } from './logging.js';

interface Option {
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly fallback: string;
}

/** Every option: flag, variable, default (as text) and meaning. The README table mirrors this list. */
export const options = [
  { flag: 'host', env: 'PROXY_HOST', fallback: '0.0.0.0', help: 'listen address of the CONNECT port' },
  { flag: 'port', env: 'PROXY_PORT', fallback: '8080', help: 'CONNECT port (0 picks a free port)' },
  { flag: 'health-host', env: 'PROXY_HEALTH_HOST', fallback: '0.0.0.0', help: 'listen address of the health and metrics port' },
  { flag: 'health-port', env: 'PROXY_HEALTH_PORT', fallback: '8081', help: 'health and metrics port (0 picks a free port)' },
  { flag: 'allow-hosts', env: 'PROXY_ALLOW_HOSTS', fallback: defaultAllowHosts.join(','), help: 'comma-separated host patterns (name or *.suffix)' },
  { flag: 'allow-ports', env: 'PROXY_ALLOW_PORTS', fallback: defaultAllowPorts.join(','), help: 'comma-separated destination ports' },
  { flag: 'allow-cidrs', env: 'PROXY_ALLOW_CIDRS', fallback: '', help: 'comma-separated CIDRs dialable even if private; literal IPs need one' },
  { flag: 'tls-cert', env: 'PROXY_TLS_CERT_FILE', fallback: '', help: 'PEM certificate file: TLS on the CONNECT port (with --tls-key)' },
  { flag: 'tls-key', env: 'PROXY_TLS_KEY_FILE', fallback: '', help: 'PEM private key file (with --tls-cert)' },
  { flag: 'header-timeout', env: 'PROXY_HEADER_TIMEOUT', fallback: '5s', help: 'time to receive a request head' },
  { flag: 'max-header-bytes', env: 'PROXY_MAX_HEADER_BYTES', fallback: String(defaultLimits.maxHeaderBytes), help: 'largest request head' },
  { flag: 'dial-timeout', env: 'PROXY_DIAL_TIMEOUT', fallback: '10s', help: 'time to connect upstream' },
  { flag: 'idle-timeout', env: 'PROXY_IDLE_TIMEOUT', fallback: '5m', help: 'close a tunnel with no traffic either way for this long' },
  { flag: 'max-lifetime', env: 'PROXY_MAX_LIFETIME', fallback: '6h', help: 'close any tunnel this long after it opened' },
  { flag: 'max-tunnels', env: 'PROXY_MAX_TUNNELS', fallback: String(defaultLimits.maxTunnels), help: 'concurrent tunnels; more get 503' },
  { flag: 'drain-grace', env: 'PROXY_DRAIN_GRACE', fallback: '55s', help: 'on SIGTERM, how long open tunnels may finish' },
  { flag: 'log-level', env: 'LOG_LEVEL', fallback: 'info', help: 'info or debug' },
] as const satisfies readonly Option[];

type Flag = (typeof options)[number]['flag'];

/** The configuration of the bin: the library's config plus what only the process needs. */
export interface CliConfig {
  readonly proxy: EgressProxyConfig;
  readonly logLevel: LogLevel;
}

/** `--help` text. */
export function helpText(): string {
  const rows = options.map((o) => `  --${o.flag.padEnd(17)} ${o.env.padEnd(24)} ${o.help} (default: ${o.fallback || 'none'})`);
  return [
    'egress-proxy: HTTP CONNECT proxy that only reaches allowed GitHub destinations.',
    '',
    'Usage: egress-proxy [flags]   (each flag can also be set by its environment variable)',
    '',
    ...rows,
    '  --help                                     print this text',
    '',
    'Durations: a number with ms, s, m or h (a bare number means seconds).',
    'Prints "ready <host:port>" as the first stdout line once listening; JSON logs follow on stdout.',
  ].join('\n');
}

/** Parses a duration like `250ms`, `10s`, `5m`, `6h` (a bare number is seconds). */
export function parseDuration(text: string, flag: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--${flag}: invalid duration "${text}" (use e.g. 10s, 5m, 6h)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Math.round(Number(m[1]) * unit);
}

function parseInteger(text: string, flag: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw new Error(`--${flag}: invalid value "${text}" (an integer ${min}–${max})`);
  }
  return Number(text);
}

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);

/** Reads flags (`argv` without node and script) and `env`; throws one-line errors naming the option. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(options.map((o) => [o.flag, { type: 'string' as const }])),
      help: { type: 'boolean' as const },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const get = (flag: Flag): string => {
    const o = options.find((x) => x.flag === flag)!;
    return (values as Record<string, string | boolean | undefined>)[flag] as string | undefined ?? env[o.env] ?? o.fallback;
  };
  const allowHosts = list(get('allow-hosts')).map((p) => {
    try {
      return parseHostPattern(p);
    } catch (err) {
      throw new Error(`--allow-hosts: ${(err as Error).message}`, { cause: err });
    }
  });
  const allowCidrs = list(get('allow-cidrs')).map((c) => {
    try {
      return parseCidr(c);
    } catch (err) {
      throw new Error(`--allow-cidrs: ${(err as Error).message}`, { cause: err });
    }
  });
  const allowPorts = new Set(list(get('allow-ports')).map((p) => parseInteger(p, 'allow-ports', 1, 65535)));
  const certFile = get('tls-cert');
  const keyFile = get('tls-key');
  if (Boolean(certFile) !== Boolean(keyFile)) throw new Error('--tls-cert and --tls-key must be given together');
  const read = (file: string, flag: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`--${flag}: cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        cause: err,
      });
    }
  };
  const logLevel = get('log-level');
  if (logLevel !== 'info' && logLevel !== 'debug') throw new Error(`--log-level: invalid value "${logLevel}" (info or debug)`);
  const limits: ProxyLimits = {
    headerTimeoutMs: parseDuration(get('header-timeout'), 'header-timeout'),
    maxHeaderBytes: parseInteger(get('max-header-bytes'), 'max-header-bytes', 256, 1 << 20),
    dialTimeoutMs: parseDuration(get('dial-timeout'), 'dial-timeout'),
    idleTimeoutMs: parseDuration(get('idle-timeout'), 'idle-timeout'),
    maxLifetimeMs: parseDuration(get('max-lifetime'), 'max-lifetime'),
    maxTunnels: parseInteger(get('max-tunnels'), 'max-tunnels', 1, 1_000_000),
    drainGraceMs: parseDuration(get('drain-grace'), 'drain-grace'),
  };
  for (const [flag, ms] of [
    ['header-timeout', limits.headerTimeoutMs],
    ['dial-timeout', limits.dialTimeoutMs],
    ['idle-timeout', limits.idleTimeoutMs],
    ['max-lifetime', limits.maxLifetimeMs],
  ] as const) {
    if (ms <= 0) throw new Error(`--${flag}: must be greater than 0`);
  }
  return {
    logLevel,
    proxy: {
      host: get('host'),
      port: parseInteger(get('port'), 'port', 0, 65535),
      healthHost: get('health-host'),
      healthPort: parseInteger(get('health-port'), 'health-port', 0, 65535),
      ...(certFile ? { tls: { cert: read(certFile, 'tls-cert'), key: read(keyFile, 'tls-key') } } : {}),
      policy: { allowHosts, allowPorts, allowCidrs },
      limits,
    },
  };
}
