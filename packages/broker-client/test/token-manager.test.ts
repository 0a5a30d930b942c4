import { describe, expect, it } from 'vitest';
import { BrokerClientError, InstallationTokenManager, type InstallationToken, type RefreshReason } from '../src/index.js';
import { ManualClock, settle } from './support/clocks.js';

/** A token source the test drives by hand: each fetch waits until the test answers it. */
class ScriptedIssuer {
  readonly calls: number[] = [];
  #pending: Array<{ resolve: (t: InstallationToken) => void; reject: (e: unknown) => void }> = [];
  constructor(private readonly clock: ManualClock) {}
  fetch = (): Promise<InstallationToken> => {
    this.calls.push(this.clock.now());
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
  };
  async answer(token: string, ttlMs: number): Promise<void> {
    this.#pending.shift()!.resolve({ token, expiresAt: this.clock.now() + ttlMs });
    await settle();
  }
  async fail(): Promise<void> {
    this.#pending.shift()!.reject(new BrokerClientError('server_error', 'boom', { operation: 'installationToken', status: 502 }));
    await settle();
  }
  get waiting(): number {
    return this.#pending.length;
  }
}

function setup(): { clock: ManualClock; issuer: ScriptedIssuer; manager: InstallationTokenManager; refreshes: RefreshReason[]; errors: number[] } {
  const clock = new ManualClock();
  const issuer = new ScriptedIssuer(clock);
  const refreshes: RefreshReason[] = [];
  const errors: number[] = [];
  const manager = new InstallationTokenManager({
    clock,
    fetch: issuer.fetch,
    onRefresh: (e) => refreshes.push(e.reason),
    onRefreshError: () => errors.push(clock.now()),
  });
  return { clock, issuer, manager, refreshes, errors };
}

describe('InstallationTokenManager', () => {
  it('refreshes 5 min before expiry and never blocks readers on the network', async () => {
    const { clock, issuer, manager, refreshes } = setup();
    manager.start();
    const first = manager.token();
    await settle();
    await issuer.answer('t1', 60 * 60_000);
    expect(await first).toBe('t1');
    const t0 = clock.now();
    await clock.advance(55 * 60_000 - 1);
    expect(issuer.calls).toHaveLength(1);
    await clock.advance(1);
    expect(issuer.calls.at(-1)! - t0).toBe(55 * 60_000);
    // The refresh is in flight and unanswered: readers still get the cached token at once.
    expect(manager.current()).toBe('t1');
    expect(await manager.token()).toBe('t1');
    await issuer.answer('t2', 60 * 60_000);
    expect(manager.current()).toBe('t2');
    expect(refreshes).toEqual(['initial', 'scheduled']);
    await manager.stop();
  });

  it('floors refreshes at 30 s when expires_at is already inside the lead', async () => {
    const { clock, issuer, manager } = setup();
    manager.start();
    await settle();
    await issuer.answer('short', 2 * 60_000); // already inside the 5 min lead
    await clock.advance(29_999);
    expect(issuer.calls).toHaveLength(1);
    await clock.advance(1);
    expect(issuer.calls).toHaveLength(2);
    await issuer.answer('short2', 2 * 60_000);
    await manager.stop();
  });

  it('backs off 5 s → 60 s on errors and reports each one', async () => {
    const { clock, issuer, manager, errors } = setup();
    manager.start();
    await settle();
    for (let i = 0; i < 6; i++) {
      await issuer.fail();
      await clock.advance(120_000);
    }
    const gaps = issuer.calls.slice(1).map((t, i) => t - errors[i]!);
    expect(gaps).toEqual([5000, 10000, 20000, 40000, 60000, 60000]);
    expect(errors).toHaveLength(6);
    await manager.stop();
  });

  it('refreshes once after a 401, shared by every caller, and not for a token already replaced', async () => {
    const { clock, issuer, manager, refreshes } = setup();
    manager.start();
    await settle();
    await issuer.answer('old', 60 * 60_000);
    await clock.advance(30_000); // past the floor
    const a = manager.refreshAfterUnauthorized('old');
    const b = manager.refreshAfterUnauthorized('old');
    await settle();
    expect(issuer.waiting).toBe(1);
    await issuer.answer('new', 60 * 60_000);
    expect([await a, await b]).toEqual(['new', 'new']);
    expect(await manager.refreshAfterUnauthorized('old')).toBe('new');
    expect(refreshes).toEqual(['initial', 'unauthorized']);
    await manager.stop();
  });

  it('keeps to the error back-off while the token endpoint is down, however many callers meet a 401 or an expired token', async () => {
    const { clock, issuer, manager, errors } = setup();
    manager.start();
    await settle();
    await issuer.answer('old', 4 * 60_000); // due at once (inside the lead), expired after 4 min
    // GitHub refuses the cached token from now on, and the token endpoint is down: callers keep coming, every 250 ms.
    const outcomes: Array<Promise<unknown>> = [];
    for (let t = 0; t < 6 * 60_000; t += 250) {
      outcomes.push(manager.refreshAfterUnauthorized('old').catch((e: unknown) => e));
      outcomes.push(manager.token().catch((e: unknown) => e));
      await settle();
      while (issuer.waiting > 0) await issuer.fail();
      await clock.advance(250);
    }
    // One fetch per back-off step (30 s floor after the mint, then 5 s doubling to 60 s), not one per caller.
    const gaps = issuer.calls.slice(2).map((at, i) => at - errors[i]!);
    expect(gaps.every((g, i) => g >= Math.min(60_000, 5_000 * 2 ** i)), JSON.stringify(gaps)).toBe(true);
    expect(issuer.calls.length).toBeLessThanOrEqual(12);
    // The endpoint is back: the next fetch after the back-off brings a token to every caller waiting.
    const waiting = manager.token();
    await clock.advance(60_000);
    await issuer.answer('new', 60 * 60_000);
    expect(await waiting).toBe('new');
    await manager.stop();
    await clock.advance(120_000);
    await Promise.all(outcomes);
  });

  it('surfaces the first fetch error to a waiting reader', async () => {
    const { issuer, manager } = setup();
    const outcome = manager.token().then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await settle();
    await issuer.fail();
    expect(await outcome).toMatchObject({ kind: 'server_error' });
  });
});
