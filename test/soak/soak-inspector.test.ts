// The soak's way into a host: a real Node child asked for a GC and a heap snapshot through its own inspector
// (SIGUSR1 → 127.0.0.1:9229), which is closed again afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectGarbage, writeHeapSnapshot } from '../../scripts/soak-inspector.js';
import { byConstructor } from '../../scripts/soak-heap-diff.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function child(): Promise<number> {
  // Holds 500 instances of a named class so the snapshot has something recognisable to count.
  const code = 'class SoakMarker { constructor(i) { this.i = i; } } globalThis.kept = Array.from({ length: 500 }, (_, i) => new SoakMarker(i)); process.stdout.write("up\\n"); setInterval(() => {}, 1000);';
  const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  cleanups.push(() => p.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    p.stdout.once('data', () => resolve(p.pid!));
    p.once('error', reject);
  });
}

describe('soak inspector', () => {
  it('has a live process collect its garbage, snapshot its heap, and closes the inspector again', { timeout: 60_000 }, async () => {
    const pid = await child();
    const memory = await collectGarbage(pid);
    expect(memory!.heapUsed).toBeGreaterThan(0);
    expect(memory!.rss).toBeGreaterThan(memory!.heapUsed);
    const dir = mkdtempSync(join(tmpdir(), 'soak-inspector-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'child.heapsnapshot');
    expect(await writeHeapSnapshot(pid, file)).toBe(true);
    expect(byConstructor(file).get('object:SoakMarker')?.count).toBe(500);
    // Closed after each visit: nothing listens on the inspector port until the next SIGUSR1.
    await expect(fetch('http://127.0.0.1:9229/json/list')).rejects.toThrow();
    // And it opens again for the next sample.
    expect(await collectGarbage(pid)).toBeDefined();
  });

  it('asks nothing of a process that is gone', async () => {
    expect(await collectGarbage(2 ** 22 + 1)).toBeUndefined();
  });
});
