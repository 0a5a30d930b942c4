// kubeRetry on scripted failures: which failures it retries, and a create whose failed attempt landed.
import { isConflict } from '@actions-gateway/core';
import { describe, expect, it } from 'vitest';
import { isTransientKubeError, kubeRetry } from '../../../src/agc/ports/kube-call.js';
import { KubeError } from '../../../src/runtime/kube-error.js';

/** A call answering with each of `outcomes` in turn (an Error is thrown). */
function scripted<T>(...outcomes: (T | Error)[]): { call: () => Promise<T>; calls: () => number } {
  let n = 0;
  return {
    call: () => {
      const next = outcomes[Math.min(n++, outcomes.length - 1)]!;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    calls: () => n,
  };
}
const status = (code: number): KubeError => new KubeError(code, '', `HTTP ${code}`, 0);
const fast = { delayMs: 1 };

describe('kubeRetry', () => {
  it('tells transient failures from answers about the request', () => {
    for (const code of [429, 500, 502, 503, 504]) expect(isTransientKubeError(status(code)), String(code)).toBe(true);
    for (const code of [400, 403, 404, 409, 410, 422]) expect(isTransientKubeError(status(code)), String(code)).toBe(false);
    expect(isTransientKubeError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientKubeError(new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }) }))).toBe(true);
    expect(isTransientKubeError(new TypeError('body is required'))).toBe(false);
  });

  it('takes the object a failed create left behind when the retry meets a 409', async () => {
    const create = scripted<string>(status(500), status(409));
    await expect(kubeRetry(create.call, fast, () => Promise.resolve('landed'))).resolves.toBe('landed');
    expect(create.calls()).toBe(2);
  });

  it('keeps a 409 a conflict on the first attempt, and when nothing is there to take', async () => {
    const first = scripted<string>(status(409));
    expect(isConflict(await kubeRetry(first.call, fast, () => Promise.resolve('never')).catch((e: unknown) => e))).toBe(true);
    const gone = scripted<string>(status(503), status(409));
    expect(isConflict(await kubeRetry(gone.call, fast, () => Promise.resolve(undefined)).catch((e: unknown) => e))).toBe(true);
  });

  it('doubles its pause up to the cap, waiting at least the Retry-After the server asked for', async () => {
    const pauses: number[] = [];
    const sleep = (ms: number): Promise<void> => {
      pauses.push(ms);
      return Promise.resolve();
    };
    const throttled = scripted<string>(status(500), new KubeError(429, 'TooManyRequests', 'slow down', 5_000), status(503), status(503), 'ok');
    await expect(kubeRetry(throttled.call, { delayMs: 200, maxDelayMs: 500, sleep })).resolves.toBe('ok');
    expect(pauses).toEqual([200, 5_000, 500, 500]);
    const down = scripted<string>(status(500));
    await expect(kubeRetry(down.call, { attempts: 3, sleep })).rejects.toMatchObject({ statusCode: 500 });
    expect(down.calls()).toBe(3);
  });
});
