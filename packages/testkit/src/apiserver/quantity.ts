// Kubernetes resource quantities ("500m", "1.5", "128Mi", "1G", "1e3") as numbers, and back.
import { badRequest } from './errors.js';

const suffixes: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

/** Parses a quantity; `field` names it in the 400 on bad input. */
export function parseQuantity(q: unknown, field = 'quantity'): number {
  if (typeof q === 'number') return q;
  const m = typeof q === 'string' ? /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(?:[eE]([+-]?\d+))?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q.trim()) : null;
  if (!m) throw badRequest(`${field}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  return Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1) * suffixes[m[3] ?? '']!;
}

/** Formats as the real server prints quantities: cpu in cores or millicores, bytes with binary suffixes. */
export function formatQuantity(v: number, resource: string): string {
  if (/cpu$/.test(resource)) {
    const milli = Math.round(v * 1000);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  if (/memory|storage$/.test(resource)) {
    for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const base = suffixes[s]!;
      if (v >= base && v % base === 0) return `${v / base}${s}`;
    }
  }
  return String(Math.round(v * 1000) / 1000);
}
