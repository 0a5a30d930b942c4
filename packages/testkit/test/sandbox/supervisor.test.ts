// The sandbox's child processes: logs, error lines, restart after a crash, and every child stopped by its PID.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorOf, Supervisor } from '../../src/sandbox/children.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Supervisor', () => {
  it('restarts a crashed child, keeps its last error, and stops every child by PID (SIGKILL after the grace)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-sup-'));
    dirs.push(dir);
    const events: string[] = [];
    const sup = new Supervisor(join(dir, 'logs'), (m) => events.push(m), 50);
    const marker = join(dir, 'crashed-once');
    // First run: logs an error line and crashes; later runs stay up.
    const crashy = `const fs=require('fs'); if(!fs.existsSync(${JSON.stringify(marker)})){fs.writeFileSync(${JSON.stringify(marker)},'');console.log(JSON.stringify({level:'error',msg:'boom',err:{message:'bad thing'}}));process.exit(3)} setInterval(()=>{},1000)`;
    const stubborn = "process.on('SIGTERM',()=>{}); console.log('ready 127.0.0.1:1'); setInterval(()=>{},1000)";
    const lines: string[] = [];
    await sup.start({ name: 'crashy', argv: [process.execPath, '-e', crashy], env: {}, restart: true });
    await sup.start({ name: 'stubborn', argv: [process.execPath, '-e', stubborn], env: {}, onLine: (l) => lines.push(l) });
    await until(() => sup.views().find((v) => v.name === 'crashy')?.restarts === 1 && alive(sup.pid('crashy')), 'a restart');
    await until(() => lines.includes('ready 127.0.0.1:1'), 'the stdout line');
    const crashy1 = sup.views().find((v) => v.name === 'crashy')!;
    expect(crashy1.lastError).toBe('exited with code 3');
    expect(events.some((e) => e.includes('crashy') && e.includes('restarting'))).toBe(true);
    expect(readFileSync(join(dir, 'logs', 'crashy.log'), 'utf8')).toContain('"msg":"boom"');
    const pids = sup.views().map((v) => v.pid);
    await sup.stopAll(300);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'logs', 'stubborn.log'))).toBe(true);
  });

  it('errorOf reads error lines of the shared JSON log shape only', () => {
    expect(errorOf('{"level":"error","msg":"listener failed","err":{"message":"ECONNREFUSED"}}')).toBe('listener failed: ECONNREFUSED');
    expect(errorOf('{"level":50,"msg":"x"}')).toBe('x');
    expect(errorOf('{"level":"info","msg":"fine"}')).toBeUndefined();
    expect(errorOf('not json {')).toBeUndefined();
  });
});
