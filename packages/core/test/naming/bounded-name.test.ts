import { describe, expect, it } from 'vitest';
import { boundedDnsLabel, boundedLabelValue, runnerGroupObjectName, shortHash } from '../../src/index.js';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('runnerGroupObjectName', () => {
  it('is <gateway>-<name> when that fits', () => {
    expect(runnerGroupObjectName('team-a', 'gpu')).toBe('team-a-gpu');
  });

  it('stays ≤ 63 chars, DNS-safe and stable for long names', () => {
    const ag = 'a'.repeat(60);
    const name = runnerGroupObjectName(ag, 'cpu-standard');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(dnsLabel);
    expect(name).toBe(runnerGroupObjectName(ag, 'cpu-standard'));
    expect(name.endsWith(`-${shortHash(`${ag}-cpu-standard`)}`)).toBe(true);
  });

  it('pins the hashed form, so names survive releases (a change here orphans RunnerGroups)', () => {
    expect(runnerGroupObjectName('a'.repeat(60), 'cpu-standard')).toBe(`${'a'.repeat(54)}-fbe57996`);
  });

  it('distinguishes long names that share a prefix', () => {
    const ag = 'b'.repeat(70);
    expect(runnerGroupObjectName(ag, 'x')).not.toBe(runnerGroupObjectName(ag, 'y'));
  });

  it('makes a gateway name with dots DNS-label safe', () => {
    const name = runnerGroupObjectName('team.a', 'gpu');
    expect(name).toMatch(dnsLabel);
    expect(name.startsWith('team-a-gpu-')).toBe(true);
  });

  it('exactly 63 chars is kept; 64 is hashed', () => {
    const ag = 'c'.repeat(59);
    expect(runnerGroupObjectName(ag, 'gpu')).toBe(`${ag}-gpu`);
    const hashed = runnerGroupObjectName(`${ag}c`, 'gpu');
    expect(hashed).not.toBe(`${ag}c-gpu`);
    expect(hashed.length).toBeLessThanOrEqual(63);
  });
});

describe('boundedDnsLabel', () => {
  it.each(['', '---', 'UPPER', 'a_b', '-lead', 'trail-', 'x'.repeat(300), 'ünïcode', '__proto__'])(
    'gives a DNS label for %j',
    (raw) => {
      const out = boundedDnsLabel(raw);
      expect(out).toMatch(dnsLabel);
      expect(out.length).toBeLessThanOrEqual(63);
    },
  );

  it('honours a smaller maximum', () => {
    expect(boundedDnsLabel('x'.repeat(100), 20).length).toBeLessThanOrEqual(20);
  });

  it('boundedLabelValue keeps valid label values (dots and underscores allowed)', () => {
    expect(boundedLabelValue('team.a_b')).toBe('team.a_b');
    expect(boundedLabelValue('y'.repeat(64)).length).toBeLessThanOrEqual(63);
  });
});
