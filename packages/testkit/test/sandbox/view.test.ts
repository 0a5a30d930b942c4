// The live view: the full frame on a terminal, one deduplicated line per change otherwise.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/sandbox/jobs.js';
import { LiveView, renderFrame, renderLine, type Snapshot } from '../../src/sandbox/view.js';

const snap = (over: Partial<Snapshot> = {}): Snapshot => ({
  elapsedMs: 12_300,
  tenants: [{ namespace: 'tenant-1', ready: 'True', groups: [{ name: 'gw-classic', protocol: 'Classic', ready: 'True', sessions: 5 }] }],
  sessions: 6,
  jobs: { queued: 2, running: 3, done: 4, failed: 1, total: 10 },
  pods: { Running: 3, Succeeded: 4 },
  children: [{ name: 'agc-1', pid: 4242, restarts: 1, running: true, lastError: 'exited SIGKILL' }],
  endpoints: [{ name: 'agc-1', url: 'http://127.0.0.1:9000/metrics' }],
  events: ['18:00:00 queued 10 jobs'],
  ...over,
});

describe('the live view', () => {
  it('the frame shows tenants, groups, jobs, pods, processes with their last error, and metrics', () => {
    const f = renderFrame(snap());
    for (const part of ['queued 2   running 3   done 4   failed 1   of 10', 'Running 3   Succeeded 4', 'tenant tenant-1   Ready=True', 'gw-classic', 'PID 4242   restarts 1   last error: exited SIGKILL', 'http://127.0.0.1:9000/metrics', 'queued 10 jobs']) {
      expect(f).toContain(part);
    }
  });

  it('without a TTY: one line per change, none when only the clock moved', () => {
    let out = '';
    const view = new LiveView(new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) }), false);
    view.draw(snap());
    view.draw(snap({ elapsedMs: 13_000 }));
    view.draw(snap({ jobs: { queued: 1, running: 3, done: 5, failed: 1, total: 10 } }));
    expect(out.trim().split('\n')).toEqual([
      renderLine(snap()),
      renderLine(snap({ jobs: { queued: 1, running: 3, done: 5, failed: 1, total: 10 } })),
    ]);
    expect(out).toContain('jobs queued=2 running=3 done=4 failed=1/10 pods running=3 succeeded=4 sessions=6 ready tenant-1:True');
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 95)).toBe(19);
  });
});
