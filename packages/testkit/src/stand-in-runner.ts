#!/usr/bin/env node
// The stand-in for the actions runner's Runner.Worker, run by the worker wrapper as
// `<RUNNER_WORKER_PATH> spawnclient 3 4`: reads the job from fd 3, performs what the fake GitHub scripted and
// completes it over the real protocol. With only a JIT config (RUNNER_HOME_DIR) it acts as a runner instead.
// Exit: 0 success, 1 anything else. SIGTERM/SIGINT or a stop message on the channel cancel the job.
import { readChannel } from './stand-in/channel.js';
import { runStandInJob } from './stand-in/run-job.js';
import { jitConfigFromRunnerHome } from './stand-in/runner-home.js';
import { standInDispatcher } from './stand-in/transport.js';

function log(level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), component: 'stand-in-runner', msg, ...fields })}\n`);
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] !== 'spawnclient' || !/^\d+$/.test(argv[1] ?? '')) {
    process.stderr.write('usage: stand-in-runner spawnclient <in-fd> <out-fd>\n');
    return 2;
  }
  const stop = new AbortController();
  const onStop = (why: string) => (): void => {
    if (!stop.signal.aborted) log('info', 'stopping: cancelling the job', { why });
    stop.abort();
  };
  process.on('SIGTERM', onStop('SIGTERM'));
  process.on('SIGINT', onStop('SIGINT'));
  const channel = readChannel(Number(argv[1]), (type) => onStop(`channel message ${type}`)());
  const payload = await channel.job;
  let dispatcher;
  try {
    dispatcher = standInDispatcher({ env: process.env });
  } catch (e) {
    log('error', (e as Error).message);
    return 1;
  }
  const result = await runStandInJob({
    payload,
    jitConfig: jitConfigFromRunnerHome(process.env.RUNNER_HOME_DIR),
    signal: stop.signal,
    dispatcher,
    log: (msg, fields) => log('info', msg, fields),
  });
  channel.close();
  if (result.exitCode !== 0) log('error', 'job not successful', { conclusion: result.conclusion, completed: result.completed, ...(result.detail && { detail: result.detail }) });
  return result.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    log('error', e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
