// The JSONPath subset printer columns use: `.a.b`, `[N]`, `[*]` and `[?(@.k=="v")]`.
import { isObj, str } from './json.js';

/** Evaluates a printer-column path; returns every match. */
export function jsonPath(root: unknown, path: string): unknown[] {
  const trimmed = path.replace(/^\{|\}$/g, '').replace(/^\$/, '');
  const tokens = trimmed.match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let cur: unknown[] = [root];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (t.startsWith('.')) {
        if (isObj(v) && t.slice(1) in v) next.push(v[t.slice(1)]);
        continue;
      }
      if (!Array.isArray(v)) continue;
      const list = v as unknown[];
      const inner = t.slice(1, -1);
      const filter = /^\?\(@\.([\w.-]+)\s*==\s*["']([^"']*)["']\)$/.exec(inner);
      if (inner === '*') next.push(...list);
      else if (filter) next.push(...list.filter((x) => isObj(x) && str(x[filter[1]!]) === filter[2]));
      else if (/^-?\d+$/.test(inner)) {
        const i = Number(inner);
        const item = list[i < 0 ? list.length + i : i];
        if (item !== undefined) next.push(item);
      }
    }
    cur = next;
  }
  return cur;
}
