// The live terminal view: one frame redrawn in place on a TTY, or one plain line whenever something changes.
import type { ChildView } from './children.js';
import type { JobCounts } from './jobs.js';

/** What one frame shows. */
export interface Snapshot {
  readonly elapsedMs: number;
  readonly tenants: readonly { namespace: string; ready: string; groups: readonly { name: string; protocol: string; ready: string; sessions: number }[] }[];
  readonly sessions: number;
  readonly jobs: JobCounts & { total: number };
  readonly pods: Readonly<Record<string, number>>;
  readonly children: readonly ChildView[];
  readonly endpoints: readonly { name: string; url: string }[];
  readonly events: readonly string[];
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** The full frame (TTY). */
export function renderFrame(s: Snapshot): string {
  const lines: string[] = [];
  lines.push(`actions-gateway sandbox — ${secs(s.elapsedMs)}   (Ctrl-C stops everything)`, '');
  lines.push(`jobs      queued ${s.jobs.queued}   running ${s.jobs.running}   done ${s.jobs.done}   failed ${s.jobs.failed}   of ${s.jobs.total}`);
  lines.push(`pods      ${Object.entries(s.pods).map(([k, v]) => `${k} ${v}`).join('   ') || 'none'}`);
  lines.push(`sessions  ${s.sessions} open at GitHub`, '');
  for (const t of s.tenants) {
    lines.push(`tenant ${t.namespace}   Ready=${t.ready}`);
    for (const g of t.groups) lines.push(`  group ${g.name.padEnd(14)} ${g.protocol.padEnd(9)} Ready=${g.ready.padEnd(6)} sessions ${g.sessions}`);
  }
  lines.push('', 'processes');
  for (const c of s.children) {
    lines.push(`  ${c.name.padEnd(22)} ${c.running ? `PID ${String(c.pid)}` : 'stopped'}${c.restarts ? `   restarts ${c.restarts}` : ''}${c.lastError ? `   last error: ${c.lastError}` : ''}`);
  }
  lines.push('', 'metrics');
  for (const e of s.endpoints) lines.push(`  ${e.name.padEnd(22)} ${e.url}`);
  if (s.events.length) lines.push('', 'events', ...s.events.slice(-5).map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** The one-line form (no TTY). */
export function renderLine(s: Snapshot): string {
  const pods = Object.entries(s.pods).map(([k, v]) => `${k.toLowerCase()}=${v}`).join(' ');
  const ready = s.tenants.map((t) => `${t.namespace}:${t.ready}`).join(',');
  return `[${secs(s.elapsedMs)}] jobs queued=${s.jobs.queued} running=${s.jobs.running} done=${s.jobs.done} failed=${s.jobs.failed}/${s.jobs.total} pods ${pods || 'none'} sessions=${s.sessions} ready ${ready}`;
}

/** Draws snapshots: in place on a TTY, else a line when the line changes (ignoring the clock). */
export class LiveView {
  private last = '';

  constructor(private readonly out: NodeJS.WriteStream | NodeJS.WritableStream, private readonly tty: boolean) {}

  draw(s: Snapshot): void {
    if (this.tty) {
      this.out.write(`\x1b[H\x1b[2J${renderFrame(s)}`);
      return;
    }
    const line = renderLine(s);
    const key = line.replace(/^\[[^\]]*\] /, '');
    if (key === this.last) return;
    this.last = key;
    this.out.write(`${line}\n`);
  }

  /** A plain message (events, endpoints) outside the frame. */
  note(msg: string): void {
    if (!this.tty) this.out.write(`${msg}\n`);
  }
}
