// The bench's load generator: CONNECT tunnels through a proxy to a loopback upstream, measured over a window.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { percentile } from '../../../scripts/bench-support.js';

/** Opens a tunnel through `proxyPort` to 127.0.0.1:`targetPort`; resolves once the 200 is read. */
export function openTunnel(proxyPort: number, targetPort: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: proxyPort, noDelay: true });
    let head = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\nHost: 127.0.0.1:${targetPort}\r\n\r\n`));
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.removeListener('data', onData);
      socket.removeListener('error', reject);
      if (!head.startsWith('HTTP/1.1 200') && !head.startsWith('HTTP/1.0 200')) {
        socket.destroy();
        reject(new Error(`proxy answered ${head.split('\r\n')[0]}`));
        return;
      }
      socket.pause();
      if (end + 4 < head.length) socket.unshift(Buffer.from(head.slice(end + 4), 'latin1'));
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

/** Sends one byte and waits for one byte back. */
export function echoOnce(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('data', () => {
      socket.pause();
      socket.removeListener('error', reject);
      resolve();
    });
    socket.once('error', reject);
    socket.resume();
    socket.write('x');
  });
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Resident set size of a process, in KiB. */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Download throughput over `conc` tunnels: 1 s warm-up, then `seconds` measured. */
export async function throughput(proxyPort: number, sourcePort: number, conc: number, seconds: number, pid: number) {
  const sockets = await Promise.all(Array.from({ length: conc }, () => openTunnel(proxyPort, sourcePort)));
  let bytes = 0;
  for (const s of sockets) {
    s.on('data', (c: Buffer) => (bytes += c.length));
    s.on('error', () => undefined);
    s.resume();
    s.write('g');
  }
  await sleep(1_000);
  const startBytes = bytes;
  const startCpu = cpuSeconds(pid);
  const start = performance.now();
  await sleep(seconds * 1_000);
  const elapsed = (performance.now() - start) / 1_000;
  const moved = bytes - startBytes;
  const cpu = cpuSeconds(pid) - startCpu;
  for (const s of sockets) s.destroy();
  const mib = moved / 2 ** 20;
  return { mibPerSec: mib / elapsed, cpuSecPerGiB: cpu / (mib / 1024), cpuPercent: (100 * cpu) / elapsed };
}

/** Tunnel setups per second: `conc` workers loop CONNECT → 200 → 1-byte echo → close. */
export async function setups(proxyPort: number, echoPort: number, conc: number, seconds: number, pid: number) {
  let count = 0;
  let errors = 0;
  const latencies: number[] = [];
  const startCpu = cpuSeconds(pid);
  const start = performance.now();
  const deadline = start + seconds * 1_000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const s = await openTunnel(proxyPort, echoPort);
        await echoOnce(s);
        s.destroy();
        count++;
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  const elapsed = (performance.now() - start) / 1_000;
  const cpu = cpuSeconds(pid) - startCpu;
  return {
    perSec: count / elapsed,
    p50ms: percentile(latencies, 0.5),
    p99ms: percentile(latencies, 0.99),
    errors,
    cpuMicrosPerSetup: (cpu * 1e6) / Math.max(1, count),
  };
}

/** RSS growth of the proxy per idle tunnel: `n` tunnels, each with one echo, then 2 s idle. */
export async function idleMemory(proxyPort: number, echoPort: number, n: number, pid: number) {
  const warm = await openTunnel(proxyPort, echoPort);
  await echoOnce(warm);
  await sleep(1_000);
  const before = rssKiB(pid);
  const sockets: Socket[] = [warm];
  let errors = 0;
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(100, n - i) }, async () => {
        const s = await openTunnel(proxyPort, echoPort);
        s.on('error', () => undefined);
        await echoOnce(s);
        return s;
      }),
    );
    for (const r of batch) {
      if (r.status === 'fulfilled') sockets.push(r.value);
      else errors++;
    }
  }
  await sleep(2_000);
  const after = rssKiB(pid);
  for (const s of sockets) s.destroy();
  return { kibPerTunnel: (after - before) / n, baselineMiB: before / 1024, totalMiB: after / 1024, errors };
}
