// Label selectors (equality and set-based) and field selectors, parsed as the real server parses them.
import { badRequest } from './errors.js';
import type { Obj } from './json.js';
import { asObj, getPath, str } from './json.js';

type Requirement = { key: string; op: 'eq' | 'ne' | 'in' | 'notin' | 'exists' | '!exists'; values: string[] };

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const labelKey = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function parseLabelTerm(term: string): Requirement {
  let m = /^!\s*(\S+)$/.exec(term);
  if (m) return { key: m[1]!, op: '!exists', values: [] };
  m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) return { key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) };
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (m) return { key: m[1]!, op: m[2] === '!=' ? 'ne' : 'eq', values: [m[3]!] };
  if (labelKey.test(term)) return { key: term, op: 'exists', values: [] };
  throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
}

function matches(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case 'eq':
      return value === req.values[0];
    case 'ne':
      return value !== req.values[0];
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return value !== undefined;
    case '!exists':
      return value === undefined;
  }
}

/** A compiled selector: a predicate over objects. */
export type Selector = (o: Obj) => boolean;

export function parseLabelSelector(s: string | null | undefined): Selector {
  if (!s) return () => true;
  const reqs = splitTerms(s).map(parseLabelTerm);
  for (const r of reqs) if (!labelKey.test(r.key)) throw badRequest(`invalid label key "${r.key}"`);
  return (o) => {
    const labels = asObj(asObj(o.metadata).labels);
    return reqs.every((r) => matches(r, typeof labels[r.key] === 'string' ? (labels[r.key] as string) : undefined));
  };
}

/** Fields every kind supports, plus the pod fields the real server indexes. */
const supportedFields = new Set(['metadata.name', 'metadata.namespace', 'status.phase', 'spec.nodeName', 'spec.schedulerName', 'status.podIP', 'type', 'involvedObject.name', 'involvedObject.kind', 'involvedObject.uid']);

export function parseFieldSelector(s: string | null | undefined, kind: string): Selector {
  if (!s) return () => true;
  const reqs = splitTerms(s).map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    const key = m[1]!.trim();
    if (!supportedFields.has(key)) throw badRequest(`field label not supported: ${key}`);
    void kind;
    return { key, op: m[2] === '!=' ? ('ne' as const) : ('eq' as const), values: [m[3]!.trim()] };
  });
  return (o) =>
    reqs.every((r) => {
      const v = getPath(o, r.key);
      return matches(r, str(v));
    });
}
