// Address ranges the proxy refuses unless an operator allows them by CIDR, and the CIDR type itself.
// Addresses that carry an IPv4 address inside an IPv6 one (mapped, compatible, NAT64, 6to4) are judged by the
// IPv4 address they carry, so `::ffff:169.254.169.254` is refused exactly like `169.254.169.254`.
import { formatIp, parseIp, type IpAddress } from './ip.js';

/** A parsed CIDR block. */
export interface Cidr {
  readonly text: string;
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

function bitsOf(ip: IpAddress): bigint {
  return ip.family === 4 ? BigInt(ip.value) : ip.value;
}

/** Parses `a.b.c.d/n` or `v6/n` (a bare address means a single host); throws an error naming the bad text. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const ip = parseIp(addressText.toLowerCase());
  if (!ip) throw new Error(`invalid CIDR "${text}": "${addressText}" is not an IP address`);
  const width = ip.family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(width) : trimmed.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > width) {
    throw new Error(`invalid CIDR "${text}": prefix must be 0–${width}`);
  }
  const prefix = Number(prefixText);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
  return { text: trimmed, family: ip.family, base: bitsOf(ip) & mask, prefix };
}

/** Whether `ip` lies inside `cidr`. */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== ip.family) return false;
  const width = ip.family === 4 ? 32 : 128;
  return bitsOf(ip) >> BigInt(width - cidr.prefix) === cidr.base >> BigInt(width - cidr.prefix);
}

interface Range {
  readonly cidr: Cidr;
  readonly reason: string;
}

const range = (text: string, reason: string): Range => ({ cidr: parseCidr(text), reason });

// IANA special-purpose registries (RFC 6890 and successors); first match wins, so the narrower go first.
const IPV4_REFUSED: readonly Range[] = [
  range('0.0.0.0/32', 'unspecified'),
  range('0.0.0.0/8', 'this-network'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'cgnat'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
];

const IPV6_REFUSED: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('64:ff9b:1::/48', 'nat64-local'),
  range('100::/64', 'discard'),
  range('2001:db8::/32', 'documentation'),
  range('2001::/23', 'reserved'),
  range('3fff::/20', 'documentation'),
  range('5f00::/16', 'reserved'),
  range('fc00::/7', 'private'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

const GLOBAL_UNICAST = parseCidr('2000::/3');

/** IPv6 prefixes that embed an IPv4 address, and where it sits. */
const EMBEDDING: readonly { cidr: Cidr; form: string; shift: bigint }[] = [
  { cidr: parseCidr('::ffff:0:0/96'), form: 'ipv4-mapped', shift: 0n },
  { cidr: parseCidr('64:ff9b::/96'), form: 'nat64', shift: 0n },
  { cidr: parseCidr('::/96'), form: 'ipv4-compatible', shift: 0n },
  { cidr: parseCidr('2002::/16'), form: '6to4', shift: 80n },
];

/** The IPv4 address embedded in an IPv6 one, with the form it was embedded in. */
export function embeddedIpv4(ip: IpAddress): { readonly ip: IpAddress; readonly form: string } | undefined {
  if (ip.family !== 6) return undefined;
  for (const e of EMBEDDING) {
    if (cidrContains(e.cidr, ip)) return { ip: { family: 4, value: Number((ip.value >> e.shift) & 0xffffffffn) }, form: e.form };
  }
  return undefined;
}

/**
 * Why `ip` is refused (e.g. `loopback`, `ipv4-mapped link-local`), or undefined for a public address.
 * `::` and `::1` are matched before the compatible form, so they report as unspecified and loopback.
 */
export function refusedRange(ip: IpAddress): string | undefined {
  if (ip.family === 4) return IPV4_REFUSED.find((r) => cidrContains(r.cidr, ip))?.reason;
  const direct = IPV6_REFUSED.find((r) => cidrContains(r.cidr, ip));
  if (direct) return direct.reason;
  const embedded = embeddedIpv4(ip);
  if (embedded) {
    const inner = refusedRange(embedded.ip);
    return inner === undefined ? undefined : `${embedded.form} ${inner}`;
  }
  if (!cidrContains(GLOBAL_UNICAST, ip)) return 'reserved';
  return undefined;
}

/** Text of an address for logs. */
export const describeIp = formatIp;
