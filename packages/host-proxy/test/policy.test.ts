// The pieces of the destination policy on their own: host normalisation, ranges, CIDRs, patterns.
import { describe, expect, it } from 'vitest';
import { cidrContains, hostAllowed, normaliseHost, parseCidr, parseHostPattern, refusedRange, type NormalisedHost } from '../src/index.js';
import { formatIp, parseIp } from '../src/policy/ip.js';

const show = (h: NormalisedHost): string => (h.kind === 'ip' ? formatIp(h.ip) : h.kind === 'name' ? `name:${h.name}` : 'invalid');

describe('normaliseHost', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0X7F.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['10.0.0.1.', '10.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['4294967295', '255.255.255.255'],
    ['4294967296', 'invalid'],
    ['256.0.0.1', 'invalid'],
    ['1.2.3.4.5', 'invalid'],
    ['08.0.0.1', 'invalid'],
    ['1..1', 'invalid'],
    ['GitHub.COM.', 'name:github.com'],
    ['a-b.example', 'name:a-b.example'],
    ['-bad.example', 'invalid'],
    ['bad-.example', 'invalid'],
    ['ex ample.com', 'invalid'],
    ['exa%2ample.com', 'invalid'],
    ['é.example', 'invalid'],
    ['1.example', 'name:1.example'],
    ['example.1', 'invalid'],
    ['::1', '::1'],
    ['', 'invalid'],
  ])('%s → %s', (raw, expected) => {
    expect(show(normaliseHost(raw, false))).toBe(expected);
  });

  it.each([
    ['::FFFF:127.0.0.1', '::ffff:7f00:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80::1%eth0', 'invalid'],
    ['1.2.3.4', 'invalid'],
    ['2606:50c0:8000::153', '2606:50c0:8000::153'],
  ])('[%s] → %s', (raw, expected) => {
    expect(show(normaliseHost(raw, true))).toBe(expected);
  });
});

describe('refusedRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.128.0.1', undefined],
    ['172.15.255.255', undefined],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', undefined],
    ['255.255.255.255', 'broadcast'],
    ['140.82.112.3', undefined],
    ['::ffff:169.254.169.254', 'ipv4-mapped link-local'],
    ['::ffff:140.82.112.3', undefined],
    ['64:ff9b::a9fe:a9fe', 'nat64 link-local'],
    ['64:ff9b::8c52:7003', undefined],
    ['::7f00:1', 'ipv4-compatible loopback'],
    ['2002:a00:1::', '6to4 private'],
    ['2002:8c52:7003::', undefined],
    ['2001::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['fd00::1', 'private'],
    ['2606:50c0:8000::153', undefined],
  ])('%s → %s', (ip, reason) => {
    expect(refusedRange(parseIp(ip)!)).toBe(reason);
  });
});

describe('CIDRs and patterns', () => {
  it('parses and matches CIDRs', () => {
    const c = parseCidr('10.1.0.0/16');
    expect(cidrContains(c, parseIp('10.1.255.1')!)).toBe(true);
    expect(cidrContains(c, parseIp('10.2.0.1')!)).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0'), parseIp('8.8.8.8')!)).toBe(true);
    expect(cidrContains(parseCidr('fd00::/8'), parseIp('fd12::1')!)).toBe(true);
    expect(cidrContains(parseCidr('fd00::/8'), parseIp('10.0.0.1')!)).toBe(false);
    expect(parseCidr('127.0.0.1').prefix).toBe(32);
    expect(() => parseCidr('10.0.0.0/-1')).toThrow(/prefix/);
    expect(() => parseCidr('::/129')).toThrow(/prefix/);
    expect(() => parseCidr('010.0.0.0/8')).toThrow(/not an IP address/);
  });

  it('matches exact names and wildcards (never the wildcard apex)', () => {
    const patterns = ['github.com', '*.blob.core.windows.net'].map(parseHostPattern);
    expect(hostAllowed(patterns, 'github.com')).toBe(true);
    expect(hostAllowed(patterns, 'api.github.com')).toBe(false);
    expect(hostAllowed(patterns, 'x.blob.core.windows.net')).toBe(true);
    expect(hostAllowed(patterns, 'a.b.blob.core.windows.net')).toBe(true);
    expect(hostAllowed(patterns, 'blob.core.windows.net')).toBe(false);
    expect(hostAllowed(patterns, 'xblob.core.windows.net')).toBe(false);
  });
});
