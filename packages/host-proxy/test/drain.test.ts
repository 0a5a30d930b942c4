// SIGTERM drains the real bin: /readyz turns 503, the CONNECT port stops accepting, open tunnels finish (or
// are cut at the grace), and the process exits 0. The upstream is on 127.0.0.1, allowed by --allow-cidrs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { once } from 'node:events';
import { connectVia, readBytes, startEchoUpstream, waitFor } from './support/harness.js';
import { runProxy, spawnProxy, type Child } from './support/child.js';

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
beforeAll(async () => {
  upstream = await startEchoUpstream();
});
afterAll(() => {
  for (const s of upstream.sockets) s.destroy();
  upstream.server.close();
});

async function start(grace: string): Promise<{ child: Child; port: number; health: string }> {
  const child = await spawnProxy([
    '--host', '127.0.0.1', '--port', '0', '--health-host', '127.0.0.1', '--health-port', '0',
    '--allow-cidrs', '127.0.0.1/32', '--allow-ports', String(upstream.port), '--drain-grace', grace,
  ]);
  const m = /^ready 127\.0\.0\.1:(\d+)$/.exec(child.ready);
  expect(m, child.ready).not.toBeNull();
  await waitFor(() => child.logs.some((l) => l.msg === 'egress proxy listening'), 'listening log');
  const health = child.logs.find((l) => l.msg === 'egress proxy listening')!.health as string;
  return { child, port: Number(m![1]), health };
}

const status = async (url: string): Promise<number> => (await fetch(url)).status;

describe('the egress-proxy bin', () => {
  it('prints exactly "ready <host:port>" first, logs JSON after, and drains on SIGTERM letting tunnels finish', { timeout: 30_000 }, async () => {
    const { child, port, health } = await start('20s');
    expect(child.logs[0]).toMatchObject({ level: 'info', component: 'egress-proxy', msg: 'egress proxy listening' });
    expect(typeof child.logs[0]!.time).toBe('string');
    expect(await status(`http://${health}/readyz`)).toBe(200);
    const tunnel = await connectVia(port, `127.0.0.1:${upstream.port}`);
    expect(tunnel.status).toBe(200);

    child.process.kill('SIGTERM');
    await waitFor(async () => (await status(`http://${health}/readyz`)) === 503, 'readyz 503');
    expect(await status(`http://${health}/healthz`)).toBe(200);
    // No new connections are accepted…
    const refused = connect({ host: '127.0.0.1', port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    // …but the open tunnel still relays until its client is done.
    tunnel.socket.write('draining');
    expect((await readBytes(tunnel.socket, 8)).toString()).toBe('draining');
    tunnel.socket.end();
    expect(await child.exit).toEqual({ code: 0, signal: null });
    expect(child.logs.some((l) => l.msg === 'drained')).toBe(true);
  });

  it('cuts tunnels still open at the end of the drain grace, then exits 0', { timeout: 30_000 }, async () => {
    const { child, port } = await start('300ms');
    const tunnel = await connectVia(port, `127.0.0.1:${upstream.port}`);
    expect(tunnel.status).toBe(200);
    tunnel.socket.resume();
    const ended = once(tunnel.socket, 'end');
    child.process.kill('SIGTERM');
    await ended;
    expect(await child.exit).toEqual({ code: 0, signal: null });
    tunnel.socket.destroy();
  });

  it('exits 1 with one line naming a bad flag value', async () => {
    // One spawn shows the process behaviour; config.test.ts covers every flag's validation in-process.
    for (const [args, needle] of [[['--allow-cidrs', '10.0.0.0/33'], '--allow-cidrs']] as const) {
      const r = await runProxy(args);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(needle);
    }
  }, 30_000);
});
