import { describe, expect, it } from 'vitest';
import { parseDuration, parseFlags, type FlagSpec } from '../../src/index.js';

const specs = {
  'metrics-bind-address': { type: 'string', default: ':8080', help: 'metrics address' },
  'leader-elect': { type: 'boolean', default: false, help: 'elect' },
  'leader-elect-lease-duration': { type: 'duration', default: '15s', help: 'lease' },
} satisfies Record<string, FlagSpec>;

describe('flags', () => {
  it('parses defaults, both value forms and Go-style booleans', () => {
    const r = parseFlags(['--metrics-bind-address=:9090', '--leader-elect=true', '--leader-elect-lease-duration', '1m30s'], 'gmc', 's', specs);
    expect(r).toEqual({ help: false, values: { 'metrics-bind-address': ':9090', 'leader-elect': true, 'leader-elect-lease-duration': 90_000 } });
    const d = parseFlags([], 'gmc', 's', specs);
    expect(d.help ? null : d.values).toEqual({ 'metrics-bind-address': ':8080', 'leader-elect': false, 'leader-elect-lease-duration': 15_000 });
    const off = parseFlags(['--leader-elect=false'], 'gmc', 's', specs);
    expect(off.help ? null : off.values['leader-elect']).toBe(false);
  });

  it('prints help with every flag and its default', () => {
    const r = parseFlags(['--help'], 'gmc', 'The GMC.', specs);
    expect(r.help).toBe(true);
    if (r.help) {
      expect(r.text).toContain('--metrics-bind-address string');
      expect(r.text).toContain('(default ":8080")');
      expect(r.text).toContain('--leader-elect-lease-duration duration');
    }
  });

  it('rejects unknown flags and bad durations in one line naming the flag', () => {
    expect(() => parseFlags(['--nope'], 'gmc', 's', specs)).toThrow(/^gmc: Unknown option '--nope'/);
    expect(() => parseFlags(['--leader-elect-lease-duration', '15'], 'gmc', 's', specs)).toThrow('--leader-elect-lease-duration: "15" is not a duration');
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(parseDuration('1h2m', 'x')).toBe(3_720_000);
  });
});
