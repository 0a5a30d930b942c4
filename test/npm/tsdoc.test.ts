// Every symbol a package exports from `src/index.ts` is documented where it is declared (TSDoc), so the
// typed public face reads well in an editor and in the published `.d.ts`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportedSymbols, exportedSymbolsOf, packageDirs, type ExportedSymbol } from './exports.js';

/**
 * Packages other helpers are rewriting right now (host-operator's AGC, the testkit's sandbox); their exports
 * are held to the rule once that work lands: remove a name here to do so.
 */
const notYetChecked = new Set(['host-operator', 'testkit']);

const undocumented = (symbols: readonly ExportedSymbol[]): string[] =>
  symbols.filter((s) => !s.documented).map((s) => `${s.name} (${s.declaredAt})`);

describe('TSDoc on every export', () => {
  const dirs = packageDirs();
  let symbols = new Map<string, ExportedSymbol[]>();
  // One TypeScript program for all packages: building it dominates the cost.
  beforeAll(() => {
    symbols = exportedSymbols(dirs);
  }, 120_000);

  it.each(dirs.filter((d) => !notYetChecked.has(d)))('packages/%s: every export of src/index.ts has a TSDoc comment', (dir) => {
    const exported = symbols.get(dir) ?? [];
    expect(exported.length).toBeGreaterThan(0);
    expect(undocumented(exported)).toEqual([]);
  });

  it('tells a documented declaration from an undocumented one, through re-exports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdoc-'));
    try {
      writeFileSync(
        join(dir, 'impl.ts'),
        [
          '/** Documented. */ export const a = 1;',
          'export const b = 2;',
          '// a line comment is not TSDoc',
          'export function c(): void {}',
          '/** Documented type. */ export interface D { x: number }',
          'export type E = string;',
          '/** Documented class. */ export class F {}',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'index.ts'), "export { a, b, c, F } from './impl.js';\nexport type { D, E } from './impl.js';\n");
      const found = exportedSymbolsOf(new Map([['fixture', join(dir, 'index.ts')]])).get('fixture') ?? [];
      expect(found.map((s) => s.name).sort()).toEqual(['D', 'E', 'F', 'a', 'b', 'c']);
      expect(undocumented(found).map((s) => s.split(' ')[0]).sort()).toEqual(['E', 'b', 'c']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
