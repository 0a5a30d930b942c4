// Reads the public face of each workspace package: the symbols its `src/index.ts` exports, resolved to their
// declarations with the TypeScript checker, and whether each declaration carries a TSDoc comment.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../support/repo.js';

/** One exported name of a package's `src/index.ts`. */
export interface ExportedSymbol {
  readonly name: string;
  /** Where the symbol is declared, relative to the repository root, with the line. */
  readonly declaredAt: string;
  readonly documented: boolean;
}

/** Directory names under `packages/`. */
export function packageDirs(): string[] {
  return readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The published npm name of `packages/<dir>`. */
export function packageName(dir: string): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as { name: string }).name;
}

function hasDocComment(decl: ts.Declaration): boolean {
  // getJSDocCommentsAndTags walks from a variable declaration up to its statement, where the comment sits.
  return ts.getJSDocCommentsAndTags(decl).some((doc) => ts.isJSDoc(doc) && (doc.comment !== undefined || (doc.tags?.length ?? 0) > 0));
}

/** Every package's exported symbols, keyed by package directory. One program for all, so it is built once. */
export function exportedSymbols(dirs: readonly string[]): Map<string, ExportedSymbol[]> {
  return exportedSymbolsOf(new Map(dirs.map((dir) => [dir, join(repoRoot, 'packages', dir, 'src', 'index.ts')])));
}

/** The exported symbols of each entry module (key → absolute path of the entry), from one program. */
export function exportedSymbolsOf(entries: ReadonlyMap<string, string>): Map<string, ExportedSymbol[]> {
  const program = ts.createProgram(
    [...entries.values()],
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ['source'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    },
  );
  const checker = program.getTypeChecker();
  const result = new Map<string, ExportedSymbol[]>();
  for (const [key, path] of entries) {
    const file = program.getSourceFile(path);
    if (!file) throw new Error(`${path} was not loaded`);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    if (!moduleSymbol) throw new Error(`${path} is not a module`);
    const symbols: ExportedSymbol[] = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decls = target.getDeclarations() ?? [];
      const first = decls[0];
      const where = first
        ? `${relative(repoRoot, first.getSourceFile().fileName)}:${first.getSourceFile().getLineAndCharacterOfPosition(first.getStart()).line + 1}`
        : '(no declaration)';
      symbols.push({ name: exported.getName(), declaredAt: where, documented: decls.some(hasDocComment) });
    }
    result.set(key, symbols);
  }
  return result;
}
