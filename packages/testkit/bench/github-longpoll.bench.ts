// Memory per held GetMessage long-poll at 10,000 concurrent polls, measured in the server's own process
// (RSS and heap delta after GC, divided by the polls held), beside the same 10,000 clients held by a bare
// node:http server that never answers (the floor). Printed as a ratio.
import { fork, type ChildProcess } from 'node:child_process';
import { request, Agent, type ClientRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '../../../scripts/bench-support.js';

const POLLS = 10_000;
const SESSIONS = 50;

interface Measure { rss: number; heapUsed: number; held: number }
type Target = { url: string; paths: { path: string; token: string }[] };

async function child(): Promise<void> {
  const mode = process.argv[3];
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  let held = (): number => 0;
  let target: Target;
  if (mode === 'fake') {
    const { startFakeGitHub } = await import('../src/index.js');
    const { decodeJit, oauthToken } = await import('../test/github/runner-support.js');
    const fake = await startFakeGitHub({ holdMs: 3_600_000, maxRecorded: 100 });
    fake.control.createApp({ org: 'bench' });
    const paths: Target['paths'] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const reg = fake.control.createRunner({ scope: 'orgs/bench', name: `r${i}`, labels: ['linux'], ephemeral: false });
      const jit = decodeJit(reg.encodedJitConfig);
      const { access_token: token } = (await (await oauthToken(jit, Date.now())).json()) as { access_token: string };
      const s = (await (await fetch(`${String(jit.runner.serverUrlV2)}session`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ownerName: `bench-${i}`, agent: { id: reg.id, name: `r${i}`, version: '2.330.0' } }),
      })).json()) as { sessionId: string };
      paths.push({ path: `/_broker/message?sessionId=${s.sessionId}&status=Online&runnerVersion=2.330.0&os=Linux&architecture=X64&disableUpdate=true`, token });
    }
    fake.control.clearRequests();
    held = () => fake.control.heldPolls();
    target = { url: fake.url, paths };
  } else {
    const { createServer } = await import('node:http');
    let open = 0;
    const server = createServer((req) => {
      open++;
      req.on('close', () => open--);
    });
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    held = () => open;
    target = { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, paths: [{ path: '/message', token: 'x' }] };
  }
  process.on('message', (m: string) => {
    if (m !== 'measure') return;
    gc();
    gc();
    const mu = process.memoryUsage();
    process.send!({ rss: mu.rss, heapUsed: mu.heapUsed, held: held() } satisfies Measure);
  });
  process.send!(target);
}

function ask(p: ChildProcess): Promise<Measure> {
  return new Promise((resolve) => {
    p.once('message', (m) => resolve(m as Measure));
    p.send('measure');
  });
}

async function measure(mode: 'fake' | 'floor'): Promise<{ perPollRss: number; perPollHeap: number; held: number }> {
  const p = fork(fileURLToPath(import.meta.url), ['--child', mode], { execArgv: ['--import', 'tsx', '--conditions=source', '--expose-gc'] });
  const target = await new Promise<Target>((resolve) => p.once('message', (m) => resolve(m as Target)));
  await new Promise((r) => setTimeout(r, 300));
  const before = await ask(p);
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const reqs: ClientRequest[] = [];
  for (let i = 0; i < POLLS; i++) {
    const t = target.paths[i % target.paths.length]!;
    const req = request(`${target.url}${t.path}`, { agent, headers: { authorization: `Bearer ${t.token}` } });
    req.on('error', () => undefined);
    req.end();
    reqs.push(req);
    if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20));
  }
  let after = await ask(p);
  for (let i = 0; i < 300 && after.held < POLLS; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await ask(p);
  }
  for (const r of reqs) r.destroy();
  p.kill('SIGTERM');
  return { perPollRss: (after.rss - before.rss) / after.held, perPollHeap: (after.heapUsed - before.heapUsed) / after.held, held: after.held };
}

if (process.argv[2] === '--child') {
  await child();
} else {
  const fake = await measure('fake');
  const floor = await measure('floor');
  const kib = (b: number): string => `${(b / 1024).toFixed(2)} KiB`;
  console.log(`fake GitHub  : ${fake.held} held polls, ${kib(fake.perPollRss)} RSS/poll, ${kib(fake.perPollHeap)} heap/poll`);
  console.log(`bare node:http: ${floor.held} held requests, ${kib(floor.perPollRss)} RSS/poll, ${kib(floor.perPollHeap)} heap/poll`);
  console.log(`ratio (RSS)  : ${(fake.perPollRss / floor.perPollRss).toFixed(2)}×   ratio (heap): ${(fake.perPollHeap / floor.perPollHeap).toFixed(2)}×`);
  writeBenchResult('testkit-github-longpoll', {
    polls: POLLS, sessions: SESSIONS, fake, floor,
    ratioRss: fake.perPollRss / floor.perPollRss, ratioHeap: fake.perPollHeap / floor.perPollHeap,
  });
}
