// A preload (`node --import <this> program.js`) for the processes the sandbox starts: the gmc, the agc, the
// egress proxy, the worker wrapper and the stand-in runner. When the process that started it dies — even by
// SIGKILL, which leaves it no chance to stop its children — the process is reparented, and this watch kills it
// at once, so no host outlives the sandbox. Sandbox-only: the hosts themselves carry no such code.
const started = process.ppid;
const POLL_MS = 200;

/** True when the parent this process started under is gone: the process was reparented. */
const orphaned = (): boolean => process.ppid !== started;

setInterval(() => {
  if (orphaned()) process.kill(process.pid, 'SIGKILL');
}, POLL_MS).unref();

export {};
