// The invalid-CR corpus: each file must be refused with exactly the expected path+rule set. The GMC webhook
// test replays the same files through kubectl (corpus/index.json describes them).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateActionsGateway, type ValidationContext } from '../../src/index.js';

interface CorpusCase {
  file: string;
  description: string;
  expect: Array<{ path: string; rule: string }>;
  operation?: 'CREATE' | 'UPDATE';
  before?: Record<string, unknown>;
}
interface CorpusIndex {
  context: ValidationContext;
  valid: string;
  cases: CorpusCase[];
}

const dir = fileURLToPath(new URL('./corpus/', import.meta.url));
const index = JSON.parse(readFileSync(`${dir}index.json`, 'utf8')) as CorpusIndex;
const load = (file: string): Record<string, unknown> => parse(readFileSync(`${dir}${file}`, 'utf8')) as Record<string, unknown>;

/** The stored object of an UPDATE case: the new object with the `before` overrides (dotted paths) applied. */
function oldObjectOf(obj: Record<string, unknown>, before: Record<string, unknown>): Record<string, unknown> {
  const old = structuredClone(obj);
  for (const [dotted, value] of Object.entries(before)) {
    const keys = dotted.split('.');
    let at = old;
    for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
    at[keys[keys.length - 1] as string] = value;
  }
  return old;
}

describe('invalid ActionsGateway corpus', () => {
  it('has at least 20 cases, one file each', () => {
    expect(index.cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(index.cases.map((c) => c.file)).size).toBe(index.cases.length);
  });

  it('the valid sample passes under the corpus context', () => {
    const result = validateActionsGateway(load(index.valid), index.context);
    expect(result.violations).toEqual([]);
  });

  for (const c of index.cases) {
    it(`${c.file}: ${c.description}`, () => {
      const obj = load(c.file);
      const context: ValidationContext = {
        ...index.context,
        operation: c.operation ?? 'CREATE',
        oldObject: c.before ? oldObjectOf(obj, c.before) : undefined,
      };
      const result = validateActionsGateway(obj, context);
      expect(result.valid).toBe(false);
      const got = result.violations.map((v) => ({ path: v.path, rule: v.rule }));
      expect(got).toEqual(expect.arrayContaining(c.expect));
      expect(got).toHaveLength(c.expect.length);
      for (const v of result.violations) expect(v.message).toContain(v.path.split('[')[0]?.split('.').pop() ?? '');
    });
  }
});
