/** Core's invalid-CR corpus (packages/core/test/validation/corpus), as the webhook and GMC tests replay it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface CorpusCase {
  file: string;
  expect: { path: string; rule: string }[];
  operation?: 'CREATE' | 'UPDATE';
  /** Dotted-path overrides that turn the case's object into the old object of an UPDATE. */
  before?: Record<string, unknown>;
}

export const corpusDir = fileURLToPath(new URL('../../../core/test/validation/corpus/', import.meta.url));

export const corpusIndex = JSON.parse(readFileSync(join(corpusDir, 'index.json'), 'utf8')) as {
  context: { reservedNamespaces: string[]; allowedPriorityClasses: string[] };
  valid: string;
  cases: CorpusCase[];
};

/** One corpus file, parsed. */
export const loadCorpusObject = (file: string): Record<string, unknown> =>
  parse(readFileSync(join(corpusDir, file), 'utf8')) as Record<string, unknown>;

/** A copy of `obj` with dotted-path values replaced. */
export function withOverrides(obj: Record<string, unknown>, before: Record<string, unknown>): Record<string, unknown> {
  const old = structuredClone(obj);
  for (const [dotted, value] of Object.entries(before)) {
    const keys = dotted.split('.');
    let at = old;
    for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
    at[keys[keys.length - 1]!] = value;
  }
  return old;
}
