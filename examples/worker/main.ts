// @actions-gateway/worker: what the worker wrapper does in a worker pod, on a temp directory instead of the
// pod's mounts: read the staged job, write the runner files, hand the job to the runner worker on fd 3, and
// turn the worker's exit code into the pod's. The runner worker here is a small stand-in script.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWrapperLogger, readWrapperConfig, runWrapper, runnerFileNames } from '@actions-gateway/worker';

const dir = mkdtempSync(join(tmpdir(), 'worker-example-'));
try {
  // What the AGC stages in the job Secret: the acquired job, its plan id and the runner's JIT config (base64
  // of a JSON map of file name to base64 content).
  const payloadDir = join(dir, 'job-payload');
  mkdirSync(payloadDir);
  const payload = JSON.stringify({ plan: { planId: 'plan-42' }, jobId: 'job-1', variables: {} });
  const files = { '.runner': '{"agentId":7}', '.credentials': '{"scheme":"OAuth"}', '.credentials_rsaparams': '{}' };
  const jit = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, Buffer.from(text).toString('base64')]));
  writeFileSync(join(payloadDir, 'payload'), payload);
  writeFileSync(join(payloadDir, 'plan-id'), 'plan-42');
  writeFileSync(join(payloadDir, 'jitconfig'), Buffer.from(JSON.stringify(jit)).toString('base64'));

  // A stand-in for Runner.Worker: reads the framed NewJobRequest (type, length, UTF-16LE body) from fd 3,
  // records it, and exits 100 (Runner.Worker's "Succeeded").
  const received = join(dir, 'received.json');
  const worker = join(dir, 'runner-worker.mjs');
  writeFileSync(
    worker,
    `#!/usr/bin/env node
import { createReadStream, writeFileSync } from 'node:fs';
let buffer = Buffer.alloc(0);
createReadStream('', { fd: 3 }).on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  if (buffer.length < 8 || buffer.length < 8 + buffer.readUInt32LE(4)) return;
  const body = buffer.subarray(8, 8 + buffer.readUInt32LE(4)).toString('utf16le');
  writeFileSync(${JSON.stringify(received)}, JSON.stringify({ argv: process.argv.slice(2), type: buffer.readUInt32LE(0), body }));
  process.exit(100);
});
`,
  );
  chmodSync(worker, 0o755);

  const config = readWrapperConfig({
    PAYLOAD_SECRET_PATH: payloadDir,
    RUNNER_HOME_DIR: join(dir, 'home'),
    RUNNER_WORKER_PATH: worker,
    LOG_LEVEL: 'info',
  });
  const exitCode = await runWrapper(config, { logger: createWrapperLogger(config.logLevel), env: { PATH: process.env.PATH } });

  const got = JSON.parse(readFileSync(received, 'utf8')) as { argv: string[]; type: number; body: string };
  if (exitCode !== 0) throw new Error(`the wrapper exited ${exitCode}; Runner.Worker's 100 (Succeeded) should become 0`);
  if (got.type !== 1 || got.body !== payload) throw new Error('the runner worker did not receive the job');
  for (const name of runnerFileNames) {
    const mode = statSync(join(dir, 'home', name)).mode & 0o777;
    if (mode !== 0o600) throw new Error(`${name} has mode ${mode.toString(8)}`);
  }
  console.log(`runner worker ran as: ${got.argv.join(' ')}; received NewJobRequest (type ${got.type}) for plan-42`);
  console.log(`ok: runner files ${runnerFileNames.join(', ')} written 0600; worker exit 100 became pod exit ${exitCode}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
