import { describe, expect, it } from 'vitest';
import { formatQuantity, parseQuantity, QuantityError } from '../../src/index.js';

const n = (units: number | bigint): bigint => BigInt(units) * 1_000_000_000n;

describe('parseQuantity', () => {
  it.each([
    ['500m', 500_000_000n],
    ['1', n(1)],
    ['0.5', 500_000_000n],
    ['.5', 500_000_000n],
    ['1.5', 1_500_000_000n],
    ['1e3', n(1000)],
    ['1E3', n(1000)],
    ['5e-3', 5_000_000n],
    ['2Ki', n(2048)],
    ['1Mi', n(1 << 20)],
    ['1Gi', n(1 << 30)],
    ['1.5Gi', n(1.5 * 2 ** 30)],
    ['1Ti', n(2 ** 40)],
    ['1k', n(1000)],
    ['1M', n(1_000_000)],
    ['1G', n(1_000_000_000)],
    ['100u', 100_000n],
    ['7n', 7n],
    ['+3', n(3)],
    ['-2', -n(2)],
    ['1Ei', n(2n ** 60n)],
    ['0', 0n],
  ])('%s is exact', (input, expected) => {
    expect(parseQuantity(input)).toBe(expected);
  });

  it('rounds a value finer than a nano-unit up, as the API server does', () => {
    expect(parseQuantity('0.1n')).toBe(1n);
    expect(parseQuantity('1e-12')).toBe(1n);
  });

  it('sums without floating-point drift', () => {
    const sum = ['0.1', '0.2'].map((q) => parseQuantity(q)).reduce((a, b) => a + b, 0n);
    expect(sum).toBe(parseQuantity('300m'));
  });

  it.each(['', 'abc', '1Gb', '1.2.3', 'm', '1 Gi', '1ki', '--1', '1e', '1e99999'])('rejects %j naming the field', (input) => {
    expect(() => parseQuantity(input, 'containers[runner].resources.limits.cpu')).toThrow(QuantityError);
    expect(() => parseQuantity(input, 'containers[runner].resources.limits.cpu')).toThrow(/containers\[runner\]\.resources\.limits\.cpu/);
  });

  it('formats for messages', () => {
    expect(formatQuantity(parseQuantity('250m'))).toBe('250m');
    expect(formatQuantity(parseQuantity('2'))).toBe('2');
    expect(formatQuantity(parseQuantity('1Gi'))).toBe(String(2 ** 30));
  });
});
