// The docs are plain Markdown that a reader can trust: no broken relative link or anchor, and every metric,
// alert and flag they name exists in the code that defines it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { metricCatalogue } from '@actions-gateway/metrics';
import { repoRoot } from '../support/repo.js';
import { hostFlags, type HostFlags } from './host-flags.js';
import { anchorsOf, brokenLinks, linksOf, markdownFiles, slug, withoutCodeBlocks } from './markdown.js';

const files = markdownFiles();
const read = (file: string): string => readFileSync(join(repoRoot, file), 'utf8');
const docsFiles = files.filter((f) => f.startsWith('docs/'));

/** Alert names of every rule file in deploy/monitoring. */
function deployedAlerts(): Set<string> {
  const alerts = new Set<string>();
  const dir = join(repoRoot, 'deploy', 'monitoring');
  for (const file of readdirSync(dir).filter((f) => /^(alerts|recording-rules)\.ya?ml$/.test(f))) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { groups?: Array<{ rules?: Array<{ alert?: string }> }> };
    for (const group of doc.groups ?? []) for (const rule of group.rules ?? []) if (rule.alert) alerts.add(rule.alert);
  }
  return alerts;
}

/** Identifiers core exports that look like alert names (the kind and its types). */
function coreIdentifiers(): Set<string> {
  const index = readFileSync(join(repoRoot, 'packages/core/src/index.ts'), 'utf8');
  return new Set([...index.matchAll(/\b(ActionsGateway\w*)\b/g)].map((m) => m[1]!));
}

/**
 * Flags of tools other than the four hosts that the docs show (kubectl, pnpm, npm, the testkit CLI). A
 * `--flag` in the docs must be a host flag or one of these.
 */
const otherToolFlags = new Set([
  // kubectl
  'from-literal',
  'from-file',
  'field-selector',
  'since',
  'server-side',
  'force-conflicts',
  'cert',
  'key',
  // npm, tsx, node, docker
  'save-dev',
  'conditions',
  'max-old-space-size',
  'target',
  // every host
  'help',
  // pnpm test:soak (docs/soak.md)
  'minutes',
  'jobs-per-minute',
  'max-backlog',
  'sample-seconds',
  'warmup-minutes',
  'heap-snapshots',
]);

describe('Markdown links', () => {
  it('finds the documentation files', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'docs/observability.md', 'packages/core/README.md']));
  });

  it.each(files)('%s has no broken relative link or anchor', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('docs/README.md links every document in docs/', () => {
    const linked = new Set(linksOf(read('docs/README.md')).map((l) => l.target.split('#')[0]));
    const missing = docsFiles.map((f) => f.slice('docs/'.length)).filter((f) => f !== 'README.md' && !linked.has(f));
    expect(missing).toEqual([]);
  });

  it('reads links and anchors as GitHub does', () => {
    expect(slug('Scraping the GMC: the `metrics: enabled` label')).toBe('scraping-the-gmc-the-metrics-enabled-label');
    expect(slug('2. Prepare the namespace')).toBe('2-prepare-the-namespace');
    expect([...anchorsOf('# A\n## B\n## B\n```\n# not a heading\n```\n')]).toEqual(['a', 'b', 'b-1']);
    expect(linksOf('[x](a.md#b) `[y](c.md)`\n```\n[z](d.md)\n```\n').map((l) => l.target)).toEqual(['a.md#b']);
  });
});

describe('names in the docs exist in the code', () => {
  it('every actions_gateway_* metric named exists in the catalogue', () => {
    const known = new Set<string>(metricCatalogue.map((m) => m.name));
    const histograms = new Set<string>(metricCatalogue.filter((m) => m.type === 'histogram').map((m) => m.name));
    const unknown: string[] = [];
    for (const file of files) {
      for (const m of read(file).matchAll(/\bactions_gateway_[a-z0-9_]*[a-z0-9]/g)) {
        const name = m[0];
        const base = name.replace(/_(bucket|sum|count)$/, '');
        if (!known.has(name) && !(histograms.has(base) && base !== name)) unknown.push(`${file}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('every alert named exists in deploy/monitoring', () => {
    const alerts = deployedAlerts();
    expect(alerts.size).toBeGreaterThan(0);
    const notAlerts = coreIdentifiers();
    const unknown: string[] = [];
    for (const file of files) {
      for (const m of read(file).matchAll(/\bActionsGateway[A-Z]\w*/g)) {
        if (!alerts.has(m[0]) && !notAlerts.has(m[0])) unknown.push(`${file}: ${m[0]}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('the runbook has one entry per alert of deploy/monitoring, and no other', () => {
    const entries = [...withoutCodeBlocks(read('docs/runbook.md')).matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]!);
    expect(new Set(entries).size).toBe(entries.length);
    expect([...entries].sort()).toEqual([...deployedAlerts()].sort());
  });
});

describe('flags in the docs exist in the hosts', () => {
  let flags: HostFlags;
  beforeAll(async () => {
    flags = await hostFlags();
  });

  it('every --flag in docs/ is a flag of gmc, agc or egress-proxy, or of a named other tool', () => {
    const known = new Set([...flags.gmc, ...flags.agc, ...flags['egress-proxy'], ...otherToolFlags]);
    const unknown: string[] = [];
    for (const file of docsFiles) {
      for (const m of read(file).matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)) {
        if (!known.has(m[1]!)) unknown.push(`${file}: --${m[1]}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  /** The flags in the first column of the tables under a `### <heading>` of observability.md. */
  function tableFlags(heading: string): string[] {
    const text = read('docs/observability.md');
    const start = text.indexOf(`\n### ${heading}\n`);
    expect(start, `observability.md has "### ${heading}"`).toBeGreaterThan(-1);
    const rest = text.slice(start + heading.length + 6);
    const section = rest.slice(0, rest.search(/\n#{2,3} /) === -1 ? undefined : rest.search(/\n#{2,3} /));
    return [...section.matchAll(/^\| `--([a-z0-9-]+)` \|/gm)].map((m) => m[1]!);
  }

  it.each([
    ['gmc', 'gmc flags'],
    ['agc', 'agc flags'],
    ['egress-proxy', 'egress-proxy flags and environment'],
    ['worker-wrapper', 'worker-wrapper environment'],
  ] as const)('observability.md lists exactly the flags of %s', (host, heading) => {
    expect(tableFlags(heading).sort()).toEqual([...flags[host]].sort());
  });
});
