// The package boundaries of DESIGN §2, checked on the source: dependencies point down, core has no I/O,
// the worker takes only types from core, and nobody deep-imports another package's internals.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Which workspace packages each package may import (DESIGN §2, right column). */
const allowedWorkspaceImports: Record<string, readonly string[]> = {
  core: [],
  metrics: [],
  'broker-client': [],
  testkit: ['@actions-gateway/core'],
  'host-operator': ['@actions-gateway/core', '@actions-gateway/metrics', '@actions-gateway/broker-client'],
  'host-proxy': ['@actions-gateway/metrics'],
  'host-worker': ['@actions-gateway/core'],
};

/** core is the domain without I/O: only the tracing API and hashing. */
const coreMayImport = new Set(['@opentelemetry/api', 'node:crypto']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (entry.endsWith('.ts')) out.push(path);
  }
  return out;
}

interface ImportSite {
  readonly file: string;
  readonly specifier: string;
  readonly typeOnly: boolean;
}

const importPattern = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(pkg: string): ImportSite[] {
  const sites: ImportSite[] = [];
  for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importPattern)) {
      const specifier = m[3] ?? m[4] ?? m[5];
      if (specifier) sites.push({ file: file.slice(root.length), specifier, typeOnly: Boolean(m[2]) });
    }
  }
  return sites;
}

describe('package boundaries', () => {
  it('every package of the design exists with src/index.ts, a README and a test folder', () => {
    for (const pkg of Object.keys(allowedWorkspaceImports)) {
      for (const part of ['src/index.ts', 'README.md', 'test', 'package.json']) {
        expect(() => statSync(join(root, 'packages', pkg, part)), `${pkg}/${part}`).not.toThrow();
      }
    }
  });

  for (const [pkg, allowed] of Object.entries(allowedWorkspaceImports)) {
    it(`${pkg} imports only the workspace packages it may, and only their public face`, () => {
      const bad = importsOf(pkg)
        .filter((s) => s.specifier.startsWith('@actions-gateway/'))
        .filter((s) => !allowed.includes(s.specifier))
        .map((s) => `${s.file}: ${s.specifier}`);
      expect(bad).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const declared = Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@actions-gateway/'));
      expect(declared.filter((d) => !allowed.includes(d))).toEqual([]);
    });
  }

  it('core does no I/O: it imports only the tracing API and hashing', () => {
    const bad = importsOf('core')
      .filter((s) => !s.specifier.startsWith('.') && !coreMayImport.has(s.specifier))
      .map((s) => `${s.file}: ${s.specifier}`);
    expect(bad).toEqual([]);
  });

  it('the worker takes only types from core', () => {
    const bad = importsOf('host-worker')
      .filter((s) => s.specifier === '@actions-gateway/core' && !s.typeOnly)
      .map((s) => s.file);
    expect(bad).toEqual([]);
  });
});
