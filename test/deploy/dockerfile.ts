// A small Dockerfile reader for the image tests: instructions with line continuations, comments and parser
// directives, JSON (exec) form, and stages with the effective USER and ENTRYPOINT of each (inherited from
// a `FROM <earlier stage>`).

/** One instruction: its keyword (upper case), raw arguments, and the line it starts on. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** A build stage. */
export interface Stage {
  readonly name: string | undefined;
  /** The FROM image or the earlier stage name. */
  readonly from: string;
  readonly instructions: Instruction[];
}

const keywords = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);

/** Parses a Dockerfile; throws with the line number on an unknown instruction or a dangling continuation. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let pending: { start: number; text: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) continue;
    const continued = trimmed.endsWith('\\');
    const body = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending ? { start: pending.start, text: `${pending.text} ${body}` } : { start: i + 1, text: body };
    if (continued) continue;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text.trim());
    if (!match) throw new Error(`line ${pending.start}: empty instruction`);
    const keyword = match[1]!.toUpperCase();
    if (!keywords.has(keyword)) throw new Error(`line ${pending.start}: unknown instruction ${match[1]}`);
    out.push({ keyword, args: match[2]!.replace(/\s+/g, ' ').trim(), line: pending.start });
    pending = undefined;
  }
  if (pending) throw new Error(`line ${pending.start}: the file ends inside a line continuation`);
  return out;
}

/** The instructions grouped into stages. */
export function stages(instructions: readonly Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: FROM ${ins.args} is not "FROM image [AS name]"`);
      out.push({ from: m[1]!, name: m[2]?.toLowerCase(), instructions: [] });
    } else if (out.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
    } else out.at(-1)!.instructions.push(ins);
  }
  return out;
}

/** The exec-form argument array of an ENTRYPOINT/CMD; throws for the shell form. */
export function execForm(ins: Instruction): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ins.args);
  } catch {
    throw new Error(`line ${ins.line}: ${ins.keyword} must use the exec (JSON array) form, got ${ins.args}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`line ${ins.line}: ${ins.keyword} must be a non-empty JSON array of strings`);
  }
  return parsed;
}

/** The last value of `keyword` in `stage`, following FROM <earlier stage> for inherited settings. */
export function effective(all: readonly Stage[], stage: Stage, keyword: string): Instruction | undefined {
  const own = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
  if (own) return own;
  const parent = all.slice(0, all.indexOf(stage)).find((s) => s.name === stage.from.toLowerCase());
  return parent ? effective(all, parent, keyword) : undefined;
}
