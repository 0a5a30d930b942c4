// Turns the host of a CONNECT target into one canonical thing before any policy check: an IP address or a
// lower-case hostname without its trailing dot. Every IPv4 spelling that a resolver or socket library would
// accept (`2130706433`, `0177.0.0.1`, `0x7f.1`) is read the way the WHATWG URL parser reads it, so that a
// name that *looks* numeric can never slip past as a "hostname".
import { parseIpv6, type IpAddress } from './ip.js';

/** The normalised host of a CONNECT target. */
export type NormalisedHost =
  | { readonly kind: 'ip'; readonly ip: IpAddress }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

function parseIpv4Part(part: string): number | undefined {
  if (part === '') return undefined;
  if (/^0x/i.test(part)) {
    const digits = part.slice(2);
    if (digits === '') return 0;
    return /^[0-9a-f]+$/i.test(digits) ? parseInt(digits, 16) : undefined;
  }
  if (part.length > 1 && part.startsWith('0')) return /^[0-7]+$/.test(part) ? parseInt(part, 8) : undefined;
  return /^[0-9]+$/.test(part) ? Number(part) : undefined;
}

/** Whether the last label is a number in some base: then the host must be an IPv4 address or nothing. */
function endsInNumber(labels: readonly string[]): boolean {
  const last = labels[labels.length - 1] ?? '';
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

/** The WHATWG IPv4 parser: one to four parts, each decimal, octal or hex; the last fills the remaining bytes. */
function parseLooseIpv4(labels: readonly string[]): number | undefined {
  if (labels.length > 4) return undefined;
  const numbers: number[] = [];
  for (const label of labels) {
    const n = parseIpv4Part(label);
    if (n === undefined || !Number.isFinite(n)) return undefined;
    numbers.push(n);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255)) return undefined;
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  let value = last;
  numbers.forEach((n, i) => (value += n * 256 ** (3 - i)));
  return value;
}

/** Normalises the host part of a CONNECT authority (brackets already removed by the caller for IPv6). */
export function normaliseHost(raw: string, bracketed: boolean): NormalisedHost {
  if (bracketed) {
    const v6 = parseIpv6(raw.toLowerCase());
    return v6 === undefined ? { kind: 'invalid', reason: 'malformed IPv6 literal' } : { kind: 'ip', ip: { family: 6, value: v6 } };
  }
  if (raw.length === 0) return { kind: 'invalid', reason: 'empty host' };
  // Node and libc accept an unbracketed IPv6 literal too; treat it as the literal it is.
  if (raw.includes(':')) {
    const v6 = parseIpv6(raw.toLowerCase());
    return v6 === undefined ? { kind: 'invalid', reason: 'malformed host' } : { kind: 'ip', ip: { family: 6, value: v6 } };
  }
  let host = raw.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0 || host.length > 253) return { kind: 'invalid', reason: 'malformed host' };
  const labels = host.split('.');
  if (endsInNumber(labels)) {
    const v4 = parseLooseIpv4(labels);
    return v4 === undefined ? { kind: 'invalid', reason: 'malformed IPv4 address' } : { kind: 'ip', ip: { family: 4, value: v4 } };
  }
  if (!labels.every((label) => LABEL.test(label))) return { kind: 'invalid', reason: 'malformed host' };
  return { kind: 'name', name: host };
}
