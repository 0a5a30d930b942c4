// Reads the repository's Markdown the way a renderer would: prose outside code, links, headings and their
// GitHub anchors. Shared by the doc tests.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../support/repo.js';

/** Every Markdown file the product ships as documentation, relative to the repository root. */
export function markdownFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(join(repoRoot, dir))) return;
    for (const entry of readdirSync(join(repoRoot, dir))) {
      const path = join(dir, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(join(repoRoot, path)).isDirectory()) walk(path);
      else if (entry.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  walk('examples');
  for (const top of ['README.md', 'CHANGELOG.md']) if (existsSync(join(repoRoot, top))) files.push(top);
  for (const pkg of readdirSync(join(repoRoot, 'packages'))) {
    for (const doc of ['README.md', 'CHANGELOG.md']) {
      const path = join('packages', pkg, doc);
      if (existsSync(join(repoRoot, path))) files.push(path);
    }
  }
  return files.sort();
}

/** The text with fenced code blocks blanked (line count kept) — what links and headings are read from. */
export function withoutCodeBlocks(text: string): string {
  let inFence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** One `[text](target)` link outside code, with its line. */
export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Inline links outside code blocks and code spans. */
export function linksOf(text: string): Link[] {
  const links: Link[] = [];
  withoutCodeBlocks(text)
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.replace(/`[^`]*`/g, '');
      for (const m of line.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        links.push({ target: m[1]!, line: index + 1 });
      }
    });
  return links;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a file's headings produce, with GitHub's `-1`, `-2` suffixes for repeats. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of withoutCodeBlocks(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}

/** The link problems of one file: a missing target, or an anchor no heading of the target produces. */
export function brokenLinks(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const problems: string[] = [];
  for (const { target, line } of linksOf(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [pathPart = '', anchor] = target.split('#', 2);
    const resolved = pathPart === '' ? join(repoRoot, file) : join(repoRoot, file, '..', decodeURIComponent(pathPart));
    const where = `${file}:${line} → ${target}`;
    if (!existsSync(resolved)) {
      problems.push(`${where}: ${relative(repoRoot, resolved)} does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!resolved.endsWith('.md')) {
      problems.push(`${where}: an anchor into a file that is not Markdown`);
      continue;
    }
    if (!anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${where}: no heading makes #${anchor}`);
  }
  return problems;
}
