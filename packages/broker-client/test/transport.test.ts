// Transport bounds over real sockets (a purpose-built server: see support/scripted-broker.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLL_DEADLINE_MS, DEFAULT_POLL_HEADERS_TIMEOUT_MS, httpSend, parseJsonBody, systemClock, type HttpResponse } from '../src/index.js';
import { startScriptedBroker, type ScriptedBroker } from './support/scripted-broker.js';

let server: ScriptedBroker;
beforeEach(async () => (server = await startScriptedBroker(systemClock)));
afterEach(async () => server.close());

const send = (path: string, options: { headersTimeoutMs?: number; deadlineMs?: number; maxBodyBytes?: number } = {}): Promise<HttpResponse> =>
  httpSend({ ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }) }, {
    operation: 'probe',
    method: 'GET',
    url: `${server.url}${path}`,
    headersTimeoutMs: options.headersTimeoutMs ?? 2_000,
    deadlineMs: options.deadlineMs ?? 2_000,
  });

describe('httpSend bounds', () => {
  it('production long-poll bounds: headers ≤ 60 s, overall 100 s', () => {
    expect(DEFAULT_POLL_HEADERS_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
    expect(DEFAULT_POLL_DEADLINE_MS).toBe(100_000);
  });

  it('ends a black-holed request (no headers ever) at the header deadline as a timeout', async () => {
    server.handle('/hole', () => undefined);
    const started = Date.now();
    await expect(send('/hole', { headersTimeoutMs: 300 })).rejects.toMatchObject({ kind: 'timeout', operation: 'probe' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('ends a stalled body at the overall deadline as a timeout', async () => {
    server.handle('/stall', (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
    });
    await expect(send('/stall', { headersTimeoutMs: 300, deadlineMs: 500 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('reports a connection reset before headers as a network error', async () => {
    server.handle('/reset', (_req, _res, socket) => socket.destroy());
    await expect(send('/reset')).rejects.toMatchObject({ kind: 'network', retriable: true });
  });

  it('reports a body cut short of its content-length as truncated', async () => {
    server.handle('/cut', (_req, res, socket) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"messageId": 1, "mess', () => socket.destroy());
    });
    await expect(send('/cut')).rejects.toMatchObject({ kind: 'truncated_body' });
  });

  it('refuses bodies over the cap, announced or streamed', async () => {
    server.handle('/big', (_req, res) => {
      res.writeHead(200, { 'content-length': String(2048) });
      res.end('x'.repeat(2048));
    });
    server.handle('/big-chunked', (_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 8; i++) res.write('y'.repeat(512));
      res.end();
    });
    await expect(send('/big', { maxBodyBytes: 1024 })).rejects.toMatchObject({ kind: 'body_too_large' });
    await expect(send('/big-chunked', { maxBodyBytes: 1024 })).rejects.toMatchObject({ kind: 'body_too_large' });
  });

  it('strips a BOM and types a malformed JSON body', async () => {
    server.handle('/bom', (_req, res) => res.end('\uFEFF{"a":1}'));
    server.handle('/junk', (_req, res) => res.end('<html>oops</html>'));
    expect(parseJsonBody('probe', await send('/bom'))).toEqual({ a: 1 });
    const junk = await send('/junk');
    expect(() => parseJsonBody('probe', junk)).toThrow(/body is not JSON/);
  });
});
