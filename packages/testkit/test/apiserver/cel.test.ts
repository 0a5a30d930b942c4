// The CEL subset CRD rules use, evaluated through the schema validator exactly as admission runs it.
import { describe, expect, it } from 'vitest';
import type { StatusCause } from '../../src/apiserver/errors.js';
import { compileRule } from '../../src/apiserver/cel.js';
import { validate } from '../../src/apiserver/schema.js';

const schema = {
  type: 'object',
  properties: {
    replicas: { type: 'integer' },
    max: { type: 'integer' },
    name: { type: 'string' },
    timeout: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    mode: { type: 'string' },
    ratio: { type: 'number' },
  },
};

function check(rule: string, value: Record<string, unknown>, old?: Record<string, unknown>): StatusCause[] {
  const causes: StatusCause[] = [];
  validate(value, { ...schema, 'x-kubernetes-validations': [{ rule, message: 'rule failed' }] }, 'spec', old, causes);
  return causes;
}

const passes = (rule: string, value: Record<string, unknown>, old?: Record<string, unknown>): boolean => check(rule, value, old).length === 0;

describe('CEL rules', () => {
  const v = { replicas: 3, max: 5, name: 'runner-a', timeout: '90s', tags: ['a', 'bb'], mode: 'fast', ratio: 0.5 };
  it.each([
    ['literals and field access', "self.name == 'runner-a' && self.replicas == 3 && true"],
    ['has()', 'has(self.name) && !has(self.missing)'],
    ['size()', 'size(self.tags) == 2 && size(self.name) == 8'],
    ['comparisons', 'self.replicas < self.max && self.replicas <= 3 && self.max > 4 && self.max >= 5 && self.replicas != 4'],
    ['boolean operators', '(self.replicas > 10 || self.max == 5) && !(self.replicas == 0)'],
    ['ternary', "self.mode == 'fast' ? self.replicas <= 3 : self.replicas <= 1"],
    ['integer arithmetic', 'self.replicas + 2 == self.max && self.max - self.replicas == 2 && self.replicas * 2 == 6'],
    ['in', "self.mode in ['fast', 'slow'] && 'bb' in self.tags"],
    ['duration comparisons', "duration(self.timeout) < duration('2m') && duration('1s') < duration(self.timeout)"],
    ['int() and string()', "int('4') > self.replicas && string(self.replicas) == '3'"],
    ['all() and exists()', 'self.tags.all(t, size(t) > 0) && self.tags.exists(t, t == "bb")'],
    ['matches() and startsWith()', "self.name.matches('^runner-[a-z]$') && self.name.startsWith('runner')"],
    ['doubles stay doubles', 'self.ratio < 1.0'],
  ])('%s', (_what, rule) => {
    expect(compileRule(rule).ok).toBe(true);
    expect(passes(rule, v)).toBe(true);
  });

  it('reports a failing rule with its message at the field', () => {
    expect(check('self.replicas > self.max', v)).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "object": rule failed', field: 'spec' }]);
  });

  it('runs transition rules only when the old object exists', () => {
    expect(passes('self.name == oldSelf.name', v)).toBe(true);
    expect(passes('self.name == oldSelf.name', v, { ...v, name: 'runner-b' })).toBe(false);
  });

  it('refuses rules it cannot parse or type-check', () => {
    expect(compileRule('self.replicas >').ok).toBe(false);
    expect(compileRule('self.name.frobnicate()').ok).toBe(false);
    expect(compileRule('other.name == 1').ok).toBe(false);
  });
});
