// The SSRF table: every destination here must be refused before any dial, with a public reason, a metric
// increment and a log line; the dialer fails the test if the proxy ever asks it for one of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_IP, connectVia, startTestProxy, valueOf, type TestProxy } from './support/harness.js';

const W = 'actions.githubusercontent.com';
const resolve: Record<string, readonly string[]> = {
  'github.com': [GITHUB_IP],
  [`loop.${W}`]: ['127.0.0.1'],
  [`meta.${W}`]: ['169.254.169.254'],
  [`mixed.${W}`]: [GITHUB_IP, '10.0.0.5'],
  [`mixed6.${W}`]: ['2606:50c0:8000::153', 'fd00::1'],
  [`mapped.${W}`]: ['::ffff:10.0.0.1'],
  [`mappedmeta.${W}`]: ['::ffff:a9fe:a9fe'],
  [`nat64.${W}`]: ['64:ff9b::7f00:1'],
  [`ula.${W}`]: ['fd00::1'],
  [`ll6.${W}`]: ['fe80::1'],
  [`cgnat.${W}`]: ['100.100.100.100'],
  [`zero.${W}`]: ['0.0.0.0'],
  [`private.${W}`]: ['192.168.0.10'],
  [`loop6.${W}`]: ['::1'],
  [`garbage.${W}`]: ['not-an-ip'],
};

type Row = readonly [target: string, status: number, why: string];

const table: readonly Row[] = [
  // IPv4 loopback in every spelling
  ['127.0.0.1:443', 403, 'loopback'],
  ['2130706433:443', 403, 'decimal loopback'],
  ['0177.0.0.1:443', 403, 'octal loopback'],
  ['0x7f.1:443', 403, 'hex two-part loopback'],
  ['0x7F000001:443', 403, 'hex loopback, upper case'],
  ['127.1:443', 403, 'short loopback'],
  ['127.0.0.1.:443', 403, 'trailing dot loopback'],
  ['017700000001:443', 403, 'octal 32-bit loopback'],
  // other IPv4 classes
  ['0:443', 403, '0 = unspecified'],
  ['0.0.0.0:443', 403, 'unspecified'],
  ['10.0.0.1:443', 403, 'private 10/8'],
  ['172.16.5.4:443', 403, 'private 172.16/12'],
  ['192.168.1.1:443', 403, 'private 192.168/16'],
  ['169.254.169.254:443', 403, 'cloud metadata'],
  ['0xa9fea9fe:443', 403, 'metadata in hex'],
  ['2852039166:443', 403, 'metadata in decimal'],
  ['0251.0376.0251.0376:443', 403, 'metadata in octal'],
  ['100.64.0.1:443', 403, 'CGNAT'],
  ['224.0.0.1:443', 403, 'multicast'],
  ['255.255.255.255:443', 403, 'broadcast'],
  ['240.0.0.1:443', 403, 'reserved'],
  ['192.0.2.1:443', 403, 'documentation'],
  ['198.18.0.1:443', 403, 'benchmarking'],
  [`${GITHUB_IP}:443`, 403, 'public literal IP without an allowed CIDR'],
  // IPv6 and embedded IPv4
  ['[::1]:443', 403, 'IPv6 loopback'],
  ['[::]:443', 403, 'IPv6 unspecified'],
  ['[0:0:0:0:0:0:0:1]:443', 403, 'IPv6 loopback, long form'],
  ['[::ffff:127.0.0.1]:443', 403, 'IPv4-mapped loopback'],
  ['[::ffff:7f00:1]:443', 403, 'IPv4-mapped loopback, hex'],
  ['[::FFFF:169.254.169.254]:443', 403, 'IPv4-mapped metadata, upper case'],
  ['[::127.0.0.1]:443', 403, 'IPv4-compatible loopback'],
  ['[64:ff9b::a9fe:a9fe]:443', 403, 'NAT64 metadata'],
  ['[64:ff9b::10.0.0.1]:443', 403, 'NAT64 private'],
  ['[64:ff9b:1::1]:443', 403, 'local-use NAT64'],
  ['[2002:7f00:1::]:443', 403, '6to4 loopback'],
  ['[fc00::1]:443', 403, 'ULA'],
  ['[fd12:3456::1]:443', 403, 'ULA fd'],
  ['[fe80::1]:443', 403, 'link-local'],
  ['[fe80::1%25eth0]:443', 403, 'link-local with zone'],
  ['[ff02::1]:443', 403, 'multicast'],
  ['[2001:db8::1]:443', 403, 'documentation'],
  ['[2606:50c0:8000::153]:443', 403, 'public IPv6 literal without an allowed CIDR'],
  ['::1:443', 403, 'unbracketed IPv6'],
  // names that resolve (through the test resolver) somewhere they must not
  [`loop.${W}:443`, 403, 'name → loopback'],
  [`meta.${W}:443`, 403, 'name → metadata'],
  [`mixed.${W}:443`, 403, 'name → public + private'],
  [`mixed6.${W}:443`, 403, 'name → public + ULA'],
  [`mapped.${W}:443`, 403, 'name → IPv4-mapped private'],
  [`mappedmeta.${W}:443`, 403, 'name → IPv4-mapped metadata'],
  [`nat64.${W}:443`, 403, 'name → NAT64 loopback'],
  [`ula.${W}:443`, 403, 'name → ULA'],
  [`ll6.${W}:443`, 403, 'name → IPv6 link-local'],
  [`cgnat.${W}:443`, 403, 'name → CGNAT'],
  [`zero.${W}:443`, 403, 'name → 0.0.0.0'],
  [`private.${W}:443`, 403, 'name → 192.168/16'],
  [`LOOP6.${W.toUpperCase()}.:443`, 403, 'name → ::1, upper case, trailing dot'],
  [`garbage.${W}:443`, 403, 'name → unparsable answer'],
  // names outside the allowlist (never resolved)
  ['example.com:443', 403, 'not allowed'],
  ['localhost:443', 403, 'localhost'],
  ['github.com.evil.example:443', 403, 'allowed name as a prefix'],
  ['evilgithub.com:443', 403, 'allowed name as a suffix without a dot'],
  [`${W}:443`, 403, 'apex of a wildcard'],
  ['metadata.google.internal:443', 403, 'metadata name'],
  ['1.2.3.4.5:443', 403, 'five-part numeric'],
  ['0x7g.0.0.1:443', 403, 'bad hex, ends in a number'],
  ['git_hub..com:443', 403, 'empty label'],
  // ports
  ['github.com:22', 403, 'port 22'],
  ['github.com:80', 403, 'port 80'],
  ['github.com:8443', 403, 'port 8443'],
  ['GitHub.COM.:6379', 403, 'port 6379, odd spelling'],
  ['github.com:0', 400, 'port 0'],
  ['github.com:0443', 400, 'port with a leading zero'],
  ['github.com:65536', 400, 'port out of range'],
  ['github.com:+443', 400, 'signed port'],
  ['github.com', 400, 'no port'],
  ['[::1]', 400, 'IPv6 without a port'],
];

let t: TestProxy;
beforeAll(async () => {
  t = await startTestProxy({ allowHosts: ['github.com', `*.${W}`], resolve });
});
afterAll(async () => {
  await t.close();
});

describe('SSRF table', () => {
  it('has at least 40 destinations', () => {
    expect(table.length).toBeGreaterThanOrEqual(40);
  });

  it.each(table)('refuses %s with %i (%s)', async (target, status) => {
    const before = await valueOf(t.metrics.proxyDialErrors);
    const logsBefore = t.logs.length;
    const r = await connectVia(t.proxy.address.port, target);
    r.socket.destroy();
    expect(r.status).toBe(status);
    expect(t.dialer.calls).toEqual([]);
    if (status === 403) {
      expect(['destination not allowed\n', 'port not allowed\n']).toContain(r.rest.toString());
      expect(await valueOf(t.metrics.proxyDialErrors)).toBe(before + 1);
      const line = t.logs.slice(logsBefore).find((l) => l.msg === 'destination refused');
      expect(line).toMatchObject({ level: 'warn', component: 'egress-proxy', target });
      expect(typeof line?.detail).toBe('string');
    } else {
      expect(await valueOf(t.metrics.proxyDialErrors)).toBe(before);
    }
  });

  it('never resolved a name outside the allowlist', () => {
    for (const name of t.resolver.lookups) expect(name === 'github.com' || name.endsWith(`.${W}`)).toBe(true);
  });
});
