import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration, tryParseDuration } from '../../src/index.js';

describe('parseDuration', () => {
  it.each([
    ['1m30s', 90_000],
    ['500ms', 500],
    ['12h', 43_200_000],
    ['0s', 0],
    ['1.5h', 5_400_000],
    ['2h45m10s', 9_910_000],
    ['1500us', 1.5],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'abc', '-5s', '5d', '1m 30s', ' 5s', '5S'])('rejects %j with an error naming the field', (text) => {
    expect(() => parseDuration(text, 'spec.quotaRetryDelay')).toThrow(DurationError);
    expect(() => parseDuration(text, 'spec.quotaRetryDelay')).toThrow(/spec\.quotaRetryDelay/);
    expect(tryParseDuration(text)).toBeUndefined();
  });

  it('tryParseDuration never throws on non-strings', () => {
    for (const v of [null, undefined, 5, {}, [], true]) expect(tryParseDuration(v)).toBeUndefined();
  });

  it('formatDuration round-trips', () => {
    for (const ms of [0, 1, 999, 1000, 90_000, 43_200_000, 9_910_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
    expect(formatDuration(90_000)).toBe('1m30s');
  });
});
