// `tsx scripts/soak-heap-diff.ts early.heapsnapshot late.heapsnapshot [top]`: compares two V8 heap snapshots
// of one process (e.g. the ones `pnpm test:soak --heap-snapshots DIR` writes) by constructor — object count and
// shallow size of each — and prints the constructors that grew most. A leak shows as a count that climbs with
// the load (one more Map entry, socket, timer or closure per job); warm-up and caches show as a step.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and shallow bytes per "type:constructor" of one snapshot file. */
export function byConstructor(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const raw = snap.strings[snap.nodes[i + nameAt]!] ?? '';
    // Strings and code are named by their content; group them by type alone.
    const name = type === 'object' || type === 'closure' || type === 'native' ? raw.slice(0, 80) : '';
    const key = `${type}:${name}`;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += snap.nodes[i + sizeAt]!;
    out.set(key, e);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [earlyFile, lateFile, topRaw] = process.argv.slice(2).filter((a) => a !== '--');
  if (!earlyFile || !lateFile) {
    console.error('usage: soak-heap-diff <early.heapsnapshot> <late.heapsnapshot> [top]');
    process.exit(2);
  }
  const early = byConstructor(earlyFile);
  const late = byConstructor(lateFile);
  const total = (m: Map<string, { bytes: number }>): number => [...m.values()].reduce((a, e) => a + e.bytes, 0);
  console.log(`heap: ${(total(early) / 2 ** 20).toFixed(2)} MiB → ${(total(late) / 2 ** 20).toFixed(2)} MiB`);
  const rows = [...new Set([...early.keys(), ...late.keys()])].map((k) => {
    const a = early.get(k) ?? { count: 0, bytes: 0 };
    const b = late.get(k) ?? { count: 0, bytes: 0 };
    return { k, dCount: b.count - a.count, dBytes: b.bytes - a.bytes, count: b.count };
  });
  const top = Number(topRaw ?? 30);
  for (const r of rows.sort((x, y) => y.dBytes - x.dBytes).slice(0, top)) {
    console.log(`${String(r.dBytes).padStart(10)} B ${String(r.dCount).padStart(7)} obj (now ${r.count})  ${r.k}`);
  }
  console.log('--- by count');
  for (const r of rows.sort((x, y) => y.dCount - x.dCount).slice(0, top)) {
    console.log(`${String(r.dCount).padStart(7)} obj ${String(r.dBytes).padStart(10)} B (now ${r.count})  ${r.k}`);
  }
}
