// The destination decision, made before any dial: parse the target, check the port and host, resolve a name
// once, check every answer, and pin the address to dial. The dialer gets that address and nothing else, so a
// second DNS answer (rebinding) can never change where the bytes go.
import { formatIp, parseIp, type IpAddress } from './ip.js';
import { normaliseHost } from './ip-normalise.js';
import { cidrContains, embeddedIpv4, refusedRange, type Cidr } from './ranges.js';
import { hostAllowed, type HostPattern } from './hosts.js';

/** What the policy needs from the configuration. */
export interface DestinationPolicy {
  readonly allowHosts: readonly HostPattern[];
  readonly allowPorts: ReadonlySet<number>;
  readonly allowCidrs: readonly Cidr[];
}

/** Resolves a hostname to its addresses (IPv4 dotted quads or IPv6 text), all of them. */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

/** The split CONNECT target `host:port`. */
export interface ConnectTarget {
  readonly host: string;
  readonly bracketed: boolean;
  readonly port: number;
}

/** An allowed destination with the exact address to dial. */
export interface Pinned {
  readonly ok: true;
  readonly hostname: string;
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
}

/**
 * A refusal. `reason` is the public body (no internal detail); `detail` is for the log only.
 * `status` is 403 for policy, 502 when the name does not resolve.
 */
export interface Refused {
  readonly ok: false;
  readonly status: 403 | 502;
  readonly reason: string;
  readonly detail: string;
}

/** The outcome of {@link decideDestination}: a pinned address to dial, or a refusal with its HTTP status. */
export type Decision = Pinned | Refused;

const refuse = (reason: string, detail: string, status: 403 | 502 = 403): Refused => ({ ok: false, status, reason, detail });

/** Splits a CONNECT request-target (authority form); undefined when it has no valid port. */
export function parseConnectTarget(target: string): ConnectTarget | undefined {
  let host: string;
  let portText: string;
  let bracketed = false;
  if (target.startsWith('[')) {
    const close = target.indexOf(']');
    if (close < 0 || target[close + 1] !== ':') return undefined;
    host = target.slice(1, close);
    portText = target.slice(close + 2);
    bracketed = true;
  } else {
    const colon = target.lastIndexOf(':');
    if (colon < 0) return undefined;
    host = target.slice(0, colon);
    portText = target.slice(colon + 1);
  }
  if (!/^[1-9][0-9]{0,4}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  return { host, bracketed, port };
}

function cidrAllowed(cidrs: readonly Cidr[], ip: IpAddress): boolean {
  if (cidrs.some((c) => cidrContains(c, ip))) return true;
  const embedded = embeddedIpv4(ip);
  return embedded?.form === 'ipv4-mapped' && cidrs.some((c) => cidrContains(c, embedded.ip));
}

/** Why an address may not be dialled, or undefined when it may. */
function addressRefusal(policy: DestinationPolicy, ip: IpAddress): string | undefined {
  if (cidrAllowed(policy.allowCidrs, ip)) return undefined;
  return refusedRange(ip);
}

/** Decides whether `target` may be dialled and, if so, which address to dial. */
export async function decideDestination(policy: DestinationPolicy, target: ConnectTarget, resolve: Resolver): Promise<Decision> {
  if (!policy.allowPorts.has(target.port)) return refuse('port not allowed', `port ${target.port} not in allow list`);
  const host = normaliseHost(target.host, target.bracketed);
  if (host.kind === 'invalid') return refuse('destination not allowed', host.reason);
  if (host.kind === 'ip') {
    const text = formatIp(host.ip);
    if (!cidrAllowed(policy.allowCidrs, host.ip)) {
      const range = refusedRange(host.ip);
      return refuse('destination not allowed', `literal IP ${text} not in an allowed CIDR${range ? ` (${range})` : ''}`);
    }
    return { ok: true, hostname: text, address: text, family: host.ip.family, port: target.port };
  }
  if (!hostAllowed(policy.allowHosts, host.name)) return refuse('destination not allowed', `host ${host.name} not in allow list`);
  let answers: readonly string[];
  try {
    answers = await resolve(host.name);
  } catch (err) {
    return refuse('upstream unavailable', `resolve ${host.name}: ${(err as Error).message}`, 502);
  }
  if (answers.length === 0) return refuse('upstream unavailable', `resolve ${host.name}: no addresses`, 502);
  let first: IpAddress | undefined;
  for (const answer of answers) {
    const ip = parseIp(answer.toLowerCase());
    if (!ip) return refuse('destination not allowed', `${host.name} resolved to unparsable "${answer}"`);
    const why = addressRefusal(policy, ip);
    // One bad answer refuses the whole name: a name that mixes public and private answers is an attack.
    if (why) return refuse('destination not allowed', `${host.name} resolves to ${formatIp(ip)} (${why})`);
    first ??= ip;
  }
  return { ok: true, hostname: host.name, address: formatIp(first!), family: first!.family, port: target.port };
}
