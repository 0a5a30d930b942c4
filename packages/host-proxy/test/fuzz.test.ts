// 10,000 malformed request heads from a seeded PRNG, 64 at a time, while a good tunnel stays open. Each gets a
// 4xx (or, when a mutation happens to form a valid CONNECT, the tunnel it asked for), the proxy never
// crashes, every refusal is logged, and the open tunnel and a new one still work afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { connectVia, readBytes, startTestProxy, type TestProxy } from './support/harness.js';
import { seededRandom } from '../../../scripts/seeded-random.js';

const CASES = 10_000;
const CONCURRENCY = 64;
const MAX_HEADER = 2048;

const prng = seededRandom;

const VALID = 'CONNECT github.com:443 HTTP/1.1\r\nHost: github.com:443\r\nUser-Agent: fuzz\r\n\r\n';
const ALPHABET = ' :\r\n\t/[]%.@?#\x00\x7f\xff0123456789aZ-_';

function makeCase(rand: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const randomText = (n: number): string =>
    Array.from({ length: n }, () => (rand() < 0.5 ? pick([...ALPHABET]) : String.fromCharCode(Math.floor(rand() * 256)))).join('');
  switch (Math.floor(rand() * 10)) {
    case 0: // random bytes, then an end of head
      return Buffer.concat([Buffer.from(randomText(1 + Math.floor(rand() * 200)), 'latin1'), Buffer.from('\r\n\r\n')]);
    case 1: // absolute-form and origin-form requests with other methods
      return Buffer.from(`${pick(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PRI', 'get'])} ${pick(['http://github.com/', '/', '*', 'https://169.254.169.254/latest/meta-data/'])} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1');
    case 2: // CONNECT without a port, or with a broken one
      return Buffer.from(`CONNECT ${pick(['github.com', 'github.com:', 'github.com:-1', 'github.com:99999', '[::1]', '[::1', ':443', 'github.com:443:443'])} HTTP/1.1\r\n\r\n`);
    case 3: // bad versions and request-line shapes
      return Buffer.from(`${pick(['CONNECT github.com:443 HTTP/2.0', 'CONNECT github.com:443', 'CONNECT  github.com:443 HTTP/1.1', 'CONNECT github.com:443 HTTP/1.1 extra', ' CONNECT github.com:443 HTTP/1.1', 'CONNECT\tgithub.com:443 HTTP/1.1', 'HTTP/1.1 200 OK'])}\r\n\r\n`);
    case 4: // malformed header fields: no colon, obs-fold, space before colon, control bytes
      return Buffer.from(`CONNECT github.com:443 HTTP/1.1\r\n${pick(['NoColon', ' folded: x', 'Bad : x', 'X: a\x00b', 'X\x01: y', ': empty-name'])}\r\n\r\n`, 'latin1');
    case 5: // oversized heads, finished or not
      return Buffer.from(`CONNECT github.com:443 HTTP/1.1\r\nX-Pad: ${'p'.repeat(MAX_HEADER + Math.floor(rand() * 4096))}${rand() < 0.5 ? '\r\n\r\n' : ''}`);
    case 6: // unfinished heads (the client then closes its side)
      return Buffer.from(VALID.slice(0, Math.floor(rand() * (VALID.length - 4))));
    case 7: // bare-LF line ends
      return Buffer.from(VALID.replaceAll('\r\n', '\n') + (rand() < 0.5 ? '' : '\r\n\r\n'));
    default: {
      // byte mutations of a valid head (1–4 edits)
      const bytes = [...Buffer.from(VALID, 'latin1')];
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * (bytes.length - 4));
        const op = rand();
        if (op < 0.4) bytes[at] = Math.floor(rand() * 256);
        else if (op < 0.7) bytes.splice(at, 1);
        else bytes.splice(at, 0, pick([...ALPHABET]).charCodeAt(0));
      }
      return Buffer.from(bytes);
    }
  }
}

/** Sends one case, closes our side, resolves with the status line's code or 0 when the proxy only closed. */
function exchange(port: number, payload: Buffer): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: false });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // a reset is an acceptable close
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, head: text.split('\r\n')[0] ?? '' });
    });
    socket.once('connect', () => socket.end(payload));
    setTimeout(() => reject(new Error(`no answer or close for ${JSON.stringify(payload.toString('latin1').slice(0, 80))}`)), 10_000).unref();
  });
}

let t: TestProxy;
beforeAll(async () => {
  t = await startTestProxy({ limits: { maxHeaderBytes: MAX_HEADER, headerTimeoutMs: 1_000, maxTunnels: 10_000 } });
});
afterAll(async () => {
  expect(t.dialer.stray).toEqual([]);
  await t.close();
});

describe('fuzzed request heads', () => {
  it(`answers or closes each of ${CASES} malformed heads and keeps serving`, { timeout: 120_000 }, async () => {
    const port = t.proxy.address.port;
    const survivor = await connectVia(port, 'github.com:443');
    expect(survivor.status).toBe(200);

    const rand = prng(0x5eed);
    const cases = Array.from({ length: CASES }, () => makeCase(rand));
    const statuses = new Map<number, number>();
    let next = 0;
    let refusedAnswers = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const payload = cases[next++]!;
        const { status, head } = await exchange(port, payload);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) {
          // Only a mutation that still is a valid CONNECT to the allowed destination may open a tunnel.
          const m = /^CONNECT ([^ ]+):443 HTTP\/1\.[01]\r\n/.exec(payload.toString('latin1'));
          expect(m?.[1]?.toLowerCase().replace(/\.$/, ''), payload.toString('latin1')).toBe('github.com');
        } else if (status !== 0) {
          expect(status, head).toBeGreaterThanOrEqual(400);
          expect(status, head).toBeLessThan(500);
          refusedAnswers++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const answered = [...statuses].filter(([s]) => s !== 0).reduce((n, [, c]) => n + c, 0);
    expect(answered).toBeGreaterThan(CASES * 0.9);
    const refusalLogs = t.logs.filter((l) => l.msg === 'request refused' || l.msg === 'destination refused').length;
    expect(refusalLogs).toBeGreaterThanOrEqual(refusedAnswers);
    expect(t.logs.some((l) => l.msg === 'request refused' && l.level === 'debug')).toBe(true);

    // The tunnel opened before the storm still relays, and a new one opens.
    survivor.socket.write('still-here');
    expect((await readBytes(survivor.socket, 10)).toString()).toBe('still-here');
    const fresh = await connectVia(port, 'github.com:443');
    expect(fresh.status).toBe(200);
    fresh.socket.write('ok');
    expect((await readBytes(fresh.socket, 2)).toString()).toBe('ok');
    survivor.socket.destroy();
    fresh.socket.destroy();
  });

  it('closes heads that never finish within the header timeout, without touching others', async () => {
    const port = t.proxy.address.port;
    const stalled = Array.from({ length: 16 }, () => {
      const socket = connect({ host: '127.0.0.1', port });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', () => undefined);
      socket.once('connect', () => socket.write('CONNECT github.com:443 HTTP/1.1\r\nX-Slow: '));
      return new Promise<string>((resolve) => socket.once('end', () => resolve(Buffer.concat(chunks).toString('latin1'))));
    });
    const started = Date.now();
    const good = await connectVia(port, 'github.com:443');
    expect(good.status).toBe(200);
    for (const text of await Promise.all(stalled)) expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(5_000);
    good.socket.write('x');
    expect((await readBytes(good.socket, 1)).toString()).toBe('x');
    good.socket.destroy();
  });
});
