import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IpRangeCache, IpRangeRefresher, fetchGitHubCidrs, isCidr } from '../../src/index.js';
import { linkedSignalCount } from '@actions-gateway/core';
import { ManualClock, flush } from '../support/manual-clock.js';
import { nodeDependants } from '../support/signal-dependants.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function meta(statuses: number[], body: unknown): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((req, res) => {
    hits++;
    const status = statuses.shift() ?? 200;
    expect(req.url).toBe('/meta');
    expect(req.headers.accept).toBe('application/json');
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

describe('GitHub IP ranges', () => {
  it('validates CIDRs', () => {
    expect(['192.30.252.0/22', '2a0a:a440::/29'].every(isCidr)).toBe(true);
    expect(['192.30.252.0/33', '192.30.252.0', 'x/8', '::/129', 5].some(isCidr)).toBe(false);
  });

  it('combines api, actions and web in order, skipping invalid entries and duplicates', async () => {
    const m = await meta([], { api: ['1.1.1.0/24', 'bogus'], actions: ['2.2.0.0/16', '1.1.1.0/24'], web: ['2001:db8::/32'], hooks: ['9.9.9.0/24'] });
    expect(await fetchGitHubCidrs(m.url)).toEqual(['1.1.1.0/24', '2.2.0.0/16', '2001:db8::/32']);
  });

  it('retries with 1 s → 2 s → 4 s backoff until the first success, then waits 24 h', async () => {
    const m = await meta([500, 503, 502], { api: ['1.1.1.0/24'] });
    const clock = new ManualClock();
    const cache = new IpRangeCache();
    const applied: (readonly string[])[] = [];
    const r = new IpRangeRefresher({ cache, clock, fetch: (s) => fetchGitHubCidrs(m.url, 5000, s), apply: (c) => Promise.resolve(void applied.push(c)) });
    r.start();
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 50 && clock.pending === 0; i++) await new Promise((res) => setTimeout(res, 5));
      await flush();
    };
    await settle();
    expect(m.hits()).toBe(1);
    await clock.advance(1000);
    await settle();
    expect(m.hits()).toBe(2);
    await clock.advance(1999);
    await settle();
    expect(m.hits()).toBe(2);
    await clock.advance(1);
    await settle();
    expect(m.hits()).toBe(3);
    await clock.advance(4000);
    await settle();
    expect(m.hits()).toBe(4);
    expect(r.ready).toBe(true);
    expect(cache.snapshot()).toEqual(['1.1.1.0/24']);
    expect(applied).toHaveLength(1);
    await clock.advance(86_400_000 - 1);
    expect(m.hits()).toBe(4);
    await clock.advance(1);
    await settle();
    expect(m.hits()).toBe(5);
    await r.stop();
  });
});

describe('GitHub IP ranges: the gmc signal', () => {
  it('keeps nothing on the long-lived signal it is given, refresh after refresh (AbortSignal.any kept one entry each)', async () => {
    const m = await meta([], { api: ['1.1.1.0/24'] });
    const gmc = new AbortController();
    for (let i = 0; i < 3; i++) expect(await fetchGitHubCidrs(m.url, 5_000, gmc.signal)).toEqual(['1.1.1.0/24']);
    expect(linkedSignalCount(gmc.signal)).toBe(0);
    expect(nodeDependants(gmc.signal)).toBe(0);
  });
});
