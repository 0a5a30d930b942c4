// egress-proxy against squid, same machine, same run: download throughput at 1 and 64 tunnels, tunnel setups
// per second (32 concurrent), and RSS per idle tunnel (1,000 tunnels, fresh processes). Every figure is
// printed with its ratio to squid; see packages/host-proxy/README.md for the goals.
import { writeBenchResult } from '../../../scripts/bench-support.js';
import { idleMemory, setups, throughput } from './load.js';
import { buildProxy, squidInstalled, startOurs, startSquid, startUpstream, SQUID, type Peer } from './peers.js';

if (!squidInstalled()) {
  console.error(`squid is not installed at ${SQUID} (apt-get install squid): the proxy bench needs it as its peer`);
  process.exit(1);
}

const WINDOW_S = 3;
const IDLE_TUNNELS = 1_000;

buildProxy();
const upstream = await startUpstream();
const ports = [upstream.source, upstream.echo];

// Both peers run at once and each measurement alternates them (squid, ours, then ours, squid), so that the
// load of a shared machine drifting during the run biases neither side; the two rounds are averaged.
async function alternate<R>(a: Peer, b: Peer, measure: (p: Peer) => Promise<R>): Promise<[R[], R[]]> {
  const ra: R[] = [];
  const rb: R[] = [];
  ra.push(await measure(a));
  rb.push(await measure(b));
  rb.push(await measure(b));
  ra.push(await measure(a));
  return [ra, rb];
}

function mean<R extends Record<string, number>>(runs: readonly R[]): R {
  const out: Record<string, number> = {};
  for (const key of Object.keys(runs[0]!)) out[key] = runs.reduce((n, r) => n + r[key]!, 0) / runs.length;
  return out as R;
}

const results: Record<string, Record<string, unknown>> = { squid: {}, ours: {} };
try {
  const squidPeer = await startSquid();
  const oursPeer = await startOurs(ports);
  try {
    const measurements = {
      throughput1: (p: Peer) => throughput(p.port, upstream.source, 1, WINDOW_S, p.pid),
      throughput64: (p: Peer) => throughput(p.port, upstream.source, 64, WINDOW_S, p.pid),
      setups32: (p: Peer) => setups(p.port, upstream.echo, 32, WINDOW_S, p.pid),
    };
    for (const [key, measure] of Object.entries(measurements)) {
      const [s, o] = await alternate<Record<string, number>>(squidPeer, oursPeer, measure);
      results.squid![key] = mean(s);
      results.ours![key] = mean(o);
    }
  } finally {
    await squidPeer.stop();
    await oursPeer.stop();
  }
  // Memory is measured on fresh processes, one at a time.
  for (const [name, start] of [['squid', startSquid], ['ours', () => startOurs(ports)]] as const) {
    const peer = await start();
    try {
      results[name]!.idle = await idleMemory(peer.port, upstream.echo, IDLE_TUNNELS, peer.pid);
    } finally {
      await peer.stop();
    }
  }
} finally {
  await upstream.stop();
}

type T = { mibPerSec: number; cpuSecPerGiB: number; cpuPercent: number };
type S = { perSec: number; p50ms: number; p99ms: number; errors: number; cpuMicrosPerSetup: number };
type I = { kibPerTunnel: number; baselineMiB: number; totalMiB: number; errors: number };
const ours = results.ours as { throughput1: T; throughput64: T; setups32: S; idle: I };
const squid = results.squid as typeof ours;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const f = (n: number, d = 0): string => n.toFixed(d);

const summary = {
  throughput1Ratio: ours.throughput1.mibPerSec / squid.throughput1.mibPerSec,
  throughput64Ratio: ours.throughput64.mibPerSec / squid.throughput64.mibPerSec,
  setupsRatio: ours.setups32.perSec / squid.setups32.perSec,
  idleKiBPerTunnel: ours.idle.kibPerTunnel,
  idleRatio: ours.idle.kibPerTunnel / squid.idle.kibPerTunnel,
};
const met = (ok: boolean): string => (ok ? 'met' : 'MISSED');
for (const [label, key] of [['throughput, 1 tunnel', 'throughput1'], ['throughput, 64 tunnels', 'throughput64']] as const) {
  const o = ours[key];
  const s = squid[key];
  console.log(
    `${label}: egress-proxy ${f(o.mibPerSec)} MiB/s (${f(o.cpuSecPerGiB, 2)} CPU-s/GiB, ${f(o.cpuPercent)} % CPU) | ` +
      `squid ${f(s.mibPerSec)} MiB/s (${f(s.cpuSecPerGiB, 2)} CPU-s/GiB) | ratio ${ratio(o.mibPerSec, s.mibPerSec)} ` +
      `(CPU/GiB ${ratio(o.cpuSecPerGiB, s.cpuSecPerGiB)}) | goal ≥ 1.0×: ${met(o.mibPerSec >= s.mibPerSec)}`,
  );
}
console.log(
  `tunnel setups, 32 concurrent: egress-proxy ${f(ours.setups32.perSec)}/s (p50 ${f(ours.setups32.p50ms, 1)} ms, p99 ` +
    `${f(ours.setups32.p99ms, 1)} ms, ${f(ours.setups32.cpuMicrosPerSetup)} CPU-µs/setup, ${ours.setups32.errors} errors) | squid ` +
    `${f(squid.setups32.perSec)}/s (p50 ${f(squid.setups32.p50ms, 1)} ms, ${f(squid.setups32.cpuMicrosPerSetup)} CPU-µs/setup) | ratio ` +
    `${ratio(ours.setups32.perSec, squid.setups32.perSec)} | goal ≥ 1.0×: ${met(summary.setupsRatio >= 1)}`,
);
console.log(
  `idle tunnels (${IDLE_TUNNELS}, fresh process): egress-proxy ${f(ours.idle.kibPerTunnel, 1)} KiB/tunnel (baseline ` +
    `${f(ours.idle.baselineMiB, 1)} MiB, ${ours.idle.errors} errors) | squid ${f(squid.idle.kibPerTunnel, 1)} KiB/tunnel (baseline ` +
    `${f(squid.idle.baselineMiB, 1)} MiB) | ratio ${ratio(ours.idle.kibPerTunnel, squid.idle.kibPerTunnel)} | goal ≤ 24 KiB: ` +
    `${met(ours.idle.kibPerTunnel <= 24)}`,
);
writeBenchResult('proxy', { windowSeconds: WINDOW_S, idleTunnels: IDLE_TUNNELS, ours, squid, summary });
