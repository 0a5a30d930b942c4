// A preload (`node --import <this> program.js`) for the processes the sandbox starts: the gmc, the agc, the
// egress proxy, the worker wrapper and the stand-in runner. When the sandbox dies — even by SIGKILL, which leaves
// it no chance to stop its children — this watch kills the process within a fraction of a second, so nothing it
// started outlives it. Sandbox-only: the hosts themselves carry no such code.
//
// Two signs, checked every 200 ms: the process was reparented (its parent died), or the sandbox whose PID the
// sandbox puts in the environment (inherited down the tree, e.g. wrapper → stand-in runner) is gone. The second
// also covers a process still loading when its parent died, which starts out already reparented.

const started = process.ppid;
// Spelled as in bins.ts (SANDBOX_PID_ENV), which does not import this file: importing it would arm the watch.
const sandbox = Number(process.env.AG_SANDBOX_PID) || undefined;
const POLL_MS = 200;

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const orphaned = (): boolean => process.ppid !== started || (sandbox !== undefined && gone(sandbox));

if (orphaned()) process.kill(process.pid, 'SIGKILL');
setInterval(() => {
  if (orphaned()) process.kill(process.pid, 'SIGKILL');
}, POLL_MS).unref();

export {};
