/**
 * Flag parsing in controller-runtime's style on `node:util` parseArgs: `--name value` or
 * `--name=value`, booleans as `--flag`/`--flag=true|false`, `--help` printing a table. Every error is
 * one line naming the flag.
 */
import { parseArgs } from 'node:util';

/** One flag's definition. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean' | 'duration';
  readonly default?: string | boolean;
  readonly help: string;
}

/** The parsed values: strings, booleans, and durations in ms. */
export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : S[K]['type'] extends 'duration' ? number : string | undefined;
};

/** What parsing produced: values, or a request for help. */
export type ParseResult<S extends Record<string, FlagSpec>> = { help: true; text: string } | { help: false; values: FlagValues<S> };

/** Parses Go durations (`15s`, `1m30s`, `500ms`, `1h`) into ms; throws on anything else. */
export function parseDuration(value: string, flag: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  const v = value.trim();
  if (v === '') throw new Error(`--${flag}: empty duration`);
  while (pos < v.length) {
    re.lastIndex = pos;
    const m = re.exec(v);
    if (!m) throw new Error(`--${flag}: "${value}" is not a duration (e.g. 15s, 1m30s, 500ms)`);
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  return total;
}

/** The `--help` text of a flag set. */
export function helpText(command: string, summary: string, specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const arg = s.type === 'boolean' ? '' : s.type === 'duration' ? ' duration' : ' string';
    const def = s.default === undefined || s.default === '' ? '' : ` (default ${JSON.stringify(s.default)})`;
    return `      --${name}${arg}\n        \t${s.help}${def}`;
  });
  return `${summary}\n\nUsage of ${command}:\n${rows.join('\n')}\n      --help\n        \tshow this help\n`;
}

/** Parses `argv` against `specs`; throws one-line errors naming the flag. */
export function parseFlags<S extends Record<string, FlagSpec>>(argv: readonly string[], command: string, summary: string, specs: S): ParseResult<S> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, s] of Object.entries(specs)) options[name] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
  // Go's flag package accepts --flag=true/false for booleans; parseArgs does not, so rewrite them.
  const args = argv.flatMap((a) => {
    const m = /^--([^=]+)=(true|false)$/.exec(a);
    if (m && specs[m[1]!]?.type === 'boolean') return m[2] === 'true' ? [`--${m[1]}`] : [];
    return [a];
  });
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new Error(`${command}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (parsed.values['help']) return { help: true, text: helpText(command, summary, specs) };
  const values: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) {
    const raw = parsed.values[name] ?? s.default;
    if (s.type === 'boolean') values[name] = raw === true || raw === 'true';
    else if (s.type === 'duration') values[name] = parseDuration(String(raw ?? ''), name);
    else values[name] = raw === undefined ? undefined : String(raw);
  }
  return { help: false, values: values as FlagValues<S> };
}
